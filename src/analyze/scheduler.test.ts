import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeRequest } from '../model/request.ts';
import { DuckDbStore } from '../store/duckdb/duckdb-store.ts';
import { schedulerReport } from './scheduler.ts';

const MIN = 60e6;
const START = Date.UTC(2026, 10, 25, 10) * 1000;

/**
 * 40 requests over 10 minutes, 4 a minute; tenant a sends every 4th (10 requests), b the rest (30).
 * Those arriving in minutes 2–4 take 200 s (a backlog); one of b's waits 5 s in the queue.
 */
function requests() {
  return Array.from({ length: 40 }, (_, i) => {
    const minute = Math.floor(i / 4);
    const arrivalUs = START + minute * MIN + (i % 4) * 10e6;
    const a = i % 4 === 0;
    return makeRequest({
      requestId: `r${i}`,
      arrivalUs,
      finishedUs: arrivalUs + (minute >= 2 && minute <= 4 ? 200e6 : 1e6),
      tenant: a ? 'a' : 'b',
      model: 'm',
      promptTokens: 100,
      outputTokens: 100,
      costUsd: a ? 0.01 : 0.005,
      queueUs: i === 37 ? 5_000_000 : 50_000,
    });
  });
}

describe('scheduler report', () => {
  it('finds the backlog, the starved request and each tenant’s share, as worked out by hand', async () => {
    const store = await DuckDbStore.open({ path: ':memory:' });
    try {
      await store.writeBatch({ requests: requests(), spans: [] });
      const report = await schedulerReport(store, {
        range: { fromUs: START, toUs: START + 10 * MIN },
        stepUs: MIN,
        model: 'm',
      });
      assert.equal(report.series.length, 10);
      assert.deepEqual(
        report.series.map((p) => p.arrivals),
        Array(10).fill(4),
      );
      // Minutes 2–4 complete nothing of their own: the backlog grows three steps running.
      assert.deepEqual(report.saturatedSteps, [START + 2 * MIN, START + 3 * MIN, START + 4 * MIN]);
      // Median queue 50 ms → threshold max(0.5 s, 1 s) = 1 s: only r37 waited longer.
      assert.equal(report.starved.thresholdUs, 1_000_000);
      assert.deepEqual(
        report.starved.examples.map((r) => [r.requestId, r.tenant, r.queueUs]),
        [['r37', 'b', 5_000_000]],
      );
      // Demand: a 2,000 of 8,000 tokens (25 %); capacity: a $0.10 of $0.25 (40 %).
      const [b, a] = report.tenants;
      assert.equal(b?.tenant, 'b');
      assert.ok(
        Math.abs((a?.demandShare ?? 0) - 0.25) < 1e-12 && Math.abs((a?.capacityShare ?? 0) - 0.4) < 1e-12,
      );
      assert.ok(Math.abs((b?.capacityShare ?? 0) - 0.6) < 1e-12);
      // Jain over 0.4/0.25 = 1.6 and 0.6/0.75 = 0.8: (2.4)² ÷ (2 × (1.6² + 0.8²)) = 0.9.
      assert.ok(Math.abs((report.fairnessIndex ?? 0) - 0.9) < 1e-12);
      assert.equal(report.series[0]?.waiting, null, 'no gauges scraped: unknown, not zero');
    } finally {
      await store.close();
    }
  });
});
