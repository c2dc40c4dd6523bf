import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_PRICES, PriceBook } from './price-book.ts';

describe('price book', () => {
  it('prices every GPU type the simulator knows, on demand, and says where each price comes from', () => {
    const book = new PriceBook();
    for (const gpu of ['H100', 'H200', 'A100-80GB', 'L4']) {
      const entry = book.entryFor(gpu);
      assert.ok(entry.usdPerGpuHour > 0);
      assert.ok(entry.source.length > 0 && /^\d{4}-\d{2}$/.test(entry.asOf));
    }
    assert.ok(DEFAULT_PRICES.every((e) => typeof e.verified === 'boolean'));
  });

  it('lets config override by GPU type, and a cluster-specific price win in its cluster', () => {
    const book = new PriceBook('on_demand', [
      { gpu_type: 'H100', usd_per_gpu_hour: 4.1 },
      { gpu_type: 'H100', cluster: 'eu-west-4', usd_per_gpu_hour: 3.5 },
    ]);
    assert.equal(book.usdPerGpuHour('H100', 'us-east-1'), 4.1);
    assert.equal(book.usdPerGpuHour('H100', 'eu-west-4'), 3.5);
    assert.equal(book.usdPerGpuHour('A100-80GB'), new PriceBook().usdPerGpuHour('A100-80GB'));
    assert.equal(new PriceBook('capacity_block').usdPerGpuHour('H100'), 4.916);
  });

  it('refuses to price a GPU it knows nothing about (never a silent $0)', () => {
    assert.throws(
      () => new PriceBook().usdPerGpuHour('B200'),
      /no on_demand price for GPU type B200 in aws's list: add one under pricing.overrides/,
    );
    assert.throws(() => new PriceBook('spot').usdPerGpuHour('H100'), /no spot price/);
    // Reports that skip what they cannot price ask without the throw: null, never 0.
    assert.equal(new PriceBook().findUsdPerGpuHour('B200'), null);
    assert.equal(new PriceBook().findUsdPerGpuHour('H100'), new PriceBook().usdPerGpuHour('H100'));
  });

  it('prices the two A100 sizes apart and refuses an A100 without its size', () => {
    const book = new PriceBook();
    assert.equal(book.usdPerGpuHour('A100-40GB'), 2.745);
    assert.equal(book.usdPerGpuHour('A100-80GB'), 3.431);
    assert.throws(() => book.usdPerGpuHour('A100'), /A100 comes as 40 GB and 80 GB, priced differently/);
    assert.equal(
      new PriceBook('on_demand', [{ gpu_type: 'A100', usd_per_gpu_hour: 2 }]).usdPerGpuHour('A100'),
      2,
    );
  });

  it("takes each provider's own list, with the source and date of every figure", () => {
    assert.equal(new PriceBook('on_demand', [], 'gcp').usdPerGpuHour('H100'), 11.06);
    assert.equal(new PriceBook('reserved', [], 'gcp').usdPerGpuHour('H100'), 7.67);
    assert.equal(new PriceBook('on_demand', [], 'azure').usdPerGpuHour('H200'), 10.6);
    assert.throws(() => new PriceBook('on_demand', [], 'azure').usdPerGpuHour('L4'), /in azure's list/);
    const block = new PriceBook('capacity_block').entryFor('H200');
    assert.match(block.source, /Q4 2024 rate/);
    assert.equal(block.asOf, '2024-12');
  });
});
