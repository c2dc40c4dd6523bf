import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeRequest } from '../../model/request.ts';
import { PriceBook } from './price-book.ts';
import { TimeShareCostEstimator } from './time-share-estimate.ts';

const book = new PriceBook('on_demand', [{ gpu_type: 'H100', usd_per_gpu_hour: 3.6 }]);
const hardware = new Map([['vllm-0', { gpuType: 'H100', gpuCount: 2 }]]);
const sample = (replica: string, value: number) => ({
  timeMs: 0,
  name: 'llm.requests.running',
  value,
  cluster: 'default',
  model: 'm',
  replica,
  engine: 'vllm',
  labels: {},
});

describe('time-share cost estimate for collected requests', () => {
  it('charges $/h × GPUs × busy time ÷ the running batch, and marks it estimated', () => {
    const estimator = new TimeShareCostEstimator(book, (r) => hardware.get(r));
    estimator.observeSamples([sample('vllm-0', 4)]);
    const request = makeRequest({
      requestId: 'a',
      arrivalUs: 0,
      replica: 'vllm-0',
      e2eUs: 3_000_000,
      queueUs: 1_000_000,
      prefillUs: 500_000,
      decodeUs: 1_500_000,
    });
    estimator.price(request);
    // $3.60/GPU-h × 2 GPUs × (0.5 s prefill + 1.5 s decode) / 3600 s ÷ 4 running = $0.001; queue is free
    const withoutPhases = makeRequest({
      requestId: 'a2',
      arrivalUs: 0,
      replica: 'vllm-0',
      e2eUs: 3_000_000,
      queueUs: 1_000_000,
    });
    estimator.price(withoutPhases);
    assert.ok(Math.abs(withoutPhases.costUsd! - 0.001) < 1e-12, 'e2e less queue when phases are unknown');
    assert.ok(Math.abs(request.costUsd! - 0.001) < 1e-12, String(request.costUsd));
    assert.equal(request.gpuType, 'H100');
    assert.equal(request.attributes['kb.cost'], 'estimated:time-share');
  });

  it('estimates cache savings as cached tokens × the prefill cost of each computed token', () => {
    const estimator = new TimeShareCostEstimator(book, (r) => hardware.get(r));
    estimator.observeSamples([sample('vllm-0', 4)]);
    const request = makeRequest({
      requestId: 'hit',
      arrivalUs: 0,
      replica: 'vllm-0',
      e2eUs: 3_000_000,
      prefillUs: 500_000,
      decodeUs: 1_500_000,
      promptTokens: 1000,
      cachedPromptTokens: 750,
    });
    estimator.price(request);
    // prefill share: $3.60 × 2 × 0.5 s / 3600 ÷ 4 = $0.00025 for 250 computed tokens → $1e-6 each;
    // 750 cached tokens saved $0.00075.
    assert.ok(Math.abs(request.cacheSavingsUsd! - 0.00075) < 1e-12, String(request.cacheSavingsUsd));
    const miss = makeRequest({
      requestId: 'miss',
      arrivalUs: 0,
      replica: 'vllm-0',
      e2eUs: 1,
      prefillUs: 1,
      promptTokens: 10,
    });
    estimator.price(miss);
    assert.equal(miss.cacheSavingsUsd, null, 'no hit, no savings figure');
  });

  it('leaves cost null when the GPU type is unknown or has no price, and keeps an existing cost', () => {
    const estimator = new TimeShareCostEstimator(book, () => undefined);
    estimator.observeSamples([sample('x', 1), sample('unknown', 1)]); // batch size known: not why they stay null
    const unknown = makeRequest({ requestId: 'b', arrivalUs: 0, replica: 'x', e2eUs: 1_000_000 });
    estimator.price(unknown);
    assert.equal(unknown.costUsd, null);
    const noPrice = makeRequest({ requestId: 'c', arrivalUs: 0, gpuType: 'MI300X', e2eUs: 1_000_000 });
    estimator.price(noPrice);
    assert.equal(noPrice.costUsd, null);
    const priced = makeRequest({ requestId: 'd', arrivalUs: 0, gpuType: 'H100', e2eUs: 1, costUsd: 7 });
    estimator.price(priced);
    assert.equal(priced.costUsd, 7);
  });

  it('treats a zero running gauge as a batch of one and leaves requests unpriced before the first scrape', () => {
    const estimator = new TimeShareCostEstimator(book, (r) => hardware.get(r));
    const early = makeRequest({ requestId: 'early', arrivalUs: 0, replica: 'vllm-0', e2eUs: 3_600_000_000 });
    estimator.price(early);
    assert.equal(early.costUsd, null);
    estimator.observeSamples([sample('vllm-0', 0)]);
    const request = makeRequest({ requestId: 'e', arrivalUs: 0, replica: 'vllm-0', e2eUs: 3_600_000_000 });
    estimator.price(request);
    assert.ok(Math.abs(request.costUsd! - 7.2) < 1e-9);
  });

  it('charges idle GPU time between scrapes that saw no running request, and skips long gaps', () => {
    const estimator = new TimeShareCostEstimator(book, (r) => hardware.get(r));
    const at = (timeMs: number, value: number) => ({ ...sample('vllm-0', value), timeMs });
    assert.deepEqual(estimator.observeSamples([at(0, 0)]), [], 'first scrape has no interval yet');
    const [idle, gpuSeconds] = estimator.observeSamples([at(15_000, 2)]);
    // previous scrape saw 0 running: 15 s × $3.60 × 2 GPUs / 3600 s = $0.03, over 30 GPU-seconds
    assert.equal(idle?.name, 'llm.gpu.idle_cost');
    assert.ok(Math.abs(idle!.value - 0.03) < 1e-12, String(idle?.value));
    assert.equal(gpuSeconds?.name, 'llm.gpu.idle_gpu_seconds');
    assert.equal(gpuSeconds?.value, 30);
    assert.equal(estimator.observeSamples([at(30_000, 0)])[0]?.value, 0, 'busy interval is not idle');
    assert.deepEqual(
      estimator.observeSamples([at(600_000, 0)]),
      [],
      'a 9.5 min gap (target down) is not charged',
    );
    assert.deepEqual(
      new TimeShareCostEstimator(book, () => undefined).observeSamples([at(0, 0), at(15_000, 0)]),
      [],
      'unknown hardware: no idle price',
    );
  });

  it('labels idle cost with where the replica runs and prices it at its node’s kind or price', () => {
    const spot = new PriceBook('on_demand', [{ gpu_type: 'H100', kind: 'spot', usd_per_gpu_hour: 1.8 }]);
    const placed = new Map([
      [
        'spot-0',
        {
          gpuType: 'H100',
          gpuCount: 1,
          pricingKind: 'spot' as const,
          workload: 'w',
          namespace: 'llm',
          nodePool: 'h100-spot',
        },
      ],
      ['contract-0', { gpuCount: 2, usdPerGpuHour: 2.4, node: 'gpu-9' }],
    ]);
    const estimator = new TimeShareCostEstimator(spot, (r) => placed.get(r));
    const at = (replica: string, timeMs: number) => ({ ...sample(replica, 0), timeMs });
    estimator.observeSamples([at('spot-0', 0), at('contract-0', 0)]);
    const [spotIdle, , contractIdle] = estimator.observeSamples([
      at('spot-0', 3_600_000 / 60),
      at('contract-0', 3_600_000 / 60),
    ]);
    // one minute idle: spot $1.80/h → $0.03; contract price from the node label, 2 GPUs × $2.40/h → $0.08
    assert.ok(Math.abs(spotIdle!.value - 0.03) < 1e-12);
    assert.deepEqual(spotIdle!.labels, { namespace: 'llm', workload: 'w', node_pool: 'h100-spot' });
    assert.ok(Math.abs(contractIdle!.value - 0.08) < 1e-12);
    assert.deepEqual(contractIdle!.labels, { node: 'gpu-9' });
  });
});
