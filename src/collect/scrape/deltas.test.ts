import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MetricSample } from '../../model/metric-sample.ts';
import { DeltaTracker } from './deltas.ts';

const sample = (name: string, value: number, labels: Record<string, string> = {}): MetricSample => ({
  timeMs: 0,
  name,
  value,
  cluster: 'c',
  model: 'm',
  replica: 'r',
  engine: 'vllm',
  labels,
});

describe('counter and histogram deltas', () => {
  it('sets a baseline on the first scrape, then emits increases, and treats a drop as a restart', () => {
    const tracker = new DeltaTracker();
    assert.deepEqual(tracker.apply([sample('llm.tokens.generated', 100)]), []);
    assert.deepEqual(
      tracker.apply([sample('llm.tokens.generated', 160)]).map((s) => s.value),
      [60],
    );
    assert.deepEqual(
      tracker.apply([sample('llm.tokens.generated', 25)]).map((s) => s.value),
      [25],
      'reset: the new value is the increase',
    );
    assert.equal(tracker.resets, 1);
  });

  it('tracks every histogram bucket as its own series and passes gauges through', () => {
    const tracker = new DeltaTracker();
    const scrape = (b1: number, inf: number, waiting: number) => [
      sample('gen_ai.server.time_to_first_token', b1, { stat: 'bucket', le: '0.5' }),
      sample('gen_ai.server.time_to_first_token', inf, { stat: 'bucket', le: '+Inf' }),
      sample('llm.requests.waiting', waiting),
    ];
    assert.deepEqual(
      tracker.apply(scrape(10, 12, 3)).map((s) => s.value),
      [3],
    );
    assert.deepEqual(
      tracker.apply(scrape(15, 20, 4)).map((s) => [s.labels.le ?? 'gauge', s.value]),
      [
        ['0.5', 5],
        ['+Inf', 8],
        ['gauge', 4],
      ],
    );
  });
});
