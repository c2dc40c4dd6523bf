import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { replicaSample } from '../../test/support/samples.ts';
import type { MetricSample } from '../model/metric-sample.ts';
import { DuckDbStore } from '../store/duckdb/duckdb-store.ts';
import { scalingSignal } from './autoscale.ts';

const NOW = Date.UTC(2026, 10, 25, 12) * 1000;

/** One sample per replica per minute of the last 15, from a function of (replica, minute). */
function series(
  name: string,
  replicas: string[],
  value: (replica: string, minute: number) => number,
): MetricSample[] {
  return replicas.flatMap((replica) =>
    Array.from({ length: 15 }, (_, m) =>
      replicaSample(replica, name, value(replica, m), (NOW - (15 - m) * 60e6 + 30e6) / 1000),
    ),
  );
}

async function signal(samples: MetricSample[]) {
  const store = await DuckDbStore.open({ path: ':memory:' });
  try {
    await store.writeMetricSamples(samples);
    return await scalingSignal(store, 'm', NOW);
  } finally {
    await store.close();
  }
}

describe('scaling signal', () => {
  it('scales up when the queue stays above the limit for three minutes, and routes to the healthiest replica', async () => {
    const s = await signal([
      ...series('llm.requests.waiting', ['a', 'b'], (r, m) => (m >= 12 ? (r === 'a' ? 8 : 2.5) : 0)),
      ...series('llm.kv_cache.usage', ['a', 'b'], () => 0.6),
    ]);
    // Mean queue 5.25 per replica ÷ limit 2 → load capped at 2× → ⌈2 × 2⌉ = 4 replicas.
    assert.equal(s.action, 'scale_up');
    assert.equal(s.desired, 4);
    assert.match(s.reasons[0] ?? '', /queue above 2 per replica for 3 minutes \(now 5\.3\)/);
    assert.equal(s.routeNext, 'b');
    assert.ok(
      (s.health.find((h) => h.replica === 'a')?.score ?? 1) <
        (s.health.find((h) => h.replica === 'b')?.score ?? 0),
    );
  });

  it('does not scale up on a two-minute blip', async () => {
    const s = await signal([
      ...series('llm.requests.waiting', ['a', 'b'], (_, m) => (m >= 13 ? 9 : 0)),
      ...series('llm.kv_cache.usage', ['a', 'b'], () => 0.6),
    ]);
    assert.equal(s.action, 'hold');
  });

  it('scales down by one only after a whole quiet stabilization window', async () => {
    const quiet = await signal([
      ...series('llm.requests.waiting', ['a', 'b', 'c'], () => 0),
      ...series('llm.kv_cache.usage', ['a', 'b', 'c'], () => 0.3),
    ]);
    assert.deepEqual([quiet.action, quiet.replicas, quiet.desired], ['scale_down', 3, 2]);
    const busyOnce = await signal([
      ...series('llm.requests.waiting', ['a', 'b', 'c'], (_, m) => (m === 4 ? 3 : 0)),
      ...series('llm.kv_cache.usage', ['a', 'b', 'c'], () => 0.3),
    ]);
    assert.equal(busyOnce.action, 'hold', 'a queue 11 minutes ago still counts');
  });
});
