import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MetricSample } from '../model/metric-sample.ts';
import { DuckDbStore } from '../store/duckdb/duckdb-store.ts';
import { phaseMeans, typicalRequest } from './typical-request.ts';

const context = {
  replica: 'trtllm-0',
  model: 'mixtral-8x7b',
  cluster: 'c',
  engine: 'trtllm' as const,
  startUs: 1_000_000,
};

describe('typical request from histograms (engines without traces)', () => {
  it('builds estimated phases from the trtllm-serve fixture’s histogram means', () => {
    // shared/fixtures/engines/triton-trtllm/trtllm-serve-prometheus-synthetic.prom, 120 requests.
    const means = {
      requests: 120,
      ttft: 76.560922 / 120,
      e2e: 695.609101 / 120,
      queue: 50.082095 / 120,
      prefill: 26.118827 / 120,
      decode: 618.80818 / 120,
    };
    const result = typicalRequest(means, context);
    assert.ok(result);
    assert.ok(
      result.spans.every((s) => s.estimated),
      'every reconstructed span says so',
    );
    assert.deepEqual(
      result.spans.map((s) => [s.kind, s.durationUs]),
      [
        [
          'network',
          Math.round((76.560922 / 120) * 1e6) -
            Math.round((50.082095 / 120) * 1e6) -
            Math.round((26.118827 / 120) * 1e6),
        ],
        ['queue', Math.round((50.082095 / 120) * 1e6)],
        ['prefill', Math.round((26.118827 / 120) * 1e6)],
        ['decode', Math.round((618.80818 / 120) * 1e6)],
        [
          'stream',
          Math.round((695.609101 / 120) * 1e6) -
            Math.round((76.560922 / 120) * 1e6) -
            Math.round((618.80818 / 120) * 1e6),
        ],
      ],
    );
    assert.equal(
      result.spans.reduce((sum, s) => sum + s.durationUs, 0),
      result.request.e2eUs,
    );
    assert.equal(result.request.attributes['kb.estimated'], 'true');
  });

  it('splits inference into prefill and decode via TTFT when the engine measures only inference (TGI)', () => {
    const result = typicalRequest(
      { requests: 10, e2e: 2, ttft: 0.5, queue: 0.3, inference: 1.6 },
      { ...context, engine: 'tgi' },
    );
    assert.deepEqual(
      result?.spans.map((s) => [s.kind, s.durationUs]),
      [
        ['queue', 300_000],
        ['prefill', 200_000],
        ['decode', 1_400_000],
        ['stream', 100_000],
      ],
    );
  });

  it('refuses to invent a request when the window has none', () => {
    assert.equal(typicalRequest({ requests: 0 }, context), null);
  });

  it('reads the means from stored histogram increases', async () => {
    const store = await DuckDbStore.open({ path: ':memory:' });
    const s = (name: string, stat: string, value: number, timeMs: number): MetricSample => ({
      timeMs,
      name,
      value,
      cluster: 'c',
      model: 'm',
      replica: 'trtllm-0',
      engine: 'trtllm',
      labels: { stat },
    });
    await store.writeMetricSamples([
      s('gen_ai.server.request.duration', 'sum', 30, 1000),
      s('gen_ai.server.request.duration', 'count', 10, 1000),
      s('gen_ai.server.request.duration', 'sum', 10, 6000),
      s('gen_ai.server.request.duration', 'count', 10, 6000),
      s('llm.request.queue_time', 'sum', 2, 6000),
      s('llm.request.queue_time', 'count', 20, 6000),
    ]);
    const means = await phaseMeans(store, 'trtllm-0', { fromUs: 0, toUs: 10_000_000 });
    assert.equal(means.requests, 20);
    assert.equal(means.e2e, 2);
    assert.equal(means.queue, 0.1);
    assert.equal(means.prefill, undefined);
    await store.close();
  });
});
