import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PriceBook } from './price-book.ts';
import { placementLabels, replicaUsdPerHour } from './replica-price.ts';

describe('a replica’s price', () => {
  const book = new PriceBook('on_demand', [{ gpu_type: 'H100', kind: 'spot', usd_per_gpu_hour: 1.8 }]);

  it('is its GPUs × the price book’s rate for its kind, or its node’s own price, never $0 for an unknown GPU', () => {
    assert.equal(replicaUsdPerHour(book, { gpuType: 'H100', gpuCount: 2, pricingKind: 'spot' }, 'c'), 3.6);
    assert.equal(replicaUsdPerHour(book, { gpuType: 'H100', gpuCount: 1, usdPerGpuHour: 2.4 }, 'c'), 2.4);
    assert.equal(
      replicaUsdPerHour(book, { gpuType: 'H100', gpuCount: 1 }, 'c'),
      6.88,
      'AWS p5 on-demand ÷ 8',
    );
    assert.equal(replicaUsdPerHour(book, { gpuType: 'TPU-v9', gpuCount: 1 }, 'c'), null);
    assert.equal(replicaUsdPerHour(book, { gpuCount: 1 }, 'c'), null);
  });

  it('labels its ledger samples with where it runs', () => {
    assert.deepEqual(
      placementLabels({ gpuCount: 1, namespace: 'llm', workload: 'w', nodePool: 'p', node: 'n' }),
      {
        namespace: 'llm',
        workload: 'w',
        node: 'n',
        node_pool: 'p',
      },
    );
  });
});
