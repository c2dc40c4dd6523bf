import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeRequest } from '../model/request.ts';
import { DuckDbStore } from '../store/duckdb/duckdb-store.ts';
import { schedulerReport } from './scheduler.ts';
import { replicaSample } from '../../test/support/samples.ts';

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
      assert.equal(report.series[0]?.tokensPerStep, null, 'no batch histogram: unknown, not zero');
    } finally {
      await store.close();
    }
  });

  it('gives tokens per engine step and batch utilization per step from the scraped metrics', async () => {
    const store = await DuckDbStore.open({ path: ':memory:' });
    try {
      // Two replicas scraped every 15 s. Minute 0: replica x runs 6 and 10 sequences, y 8 and 8 →
      // mean 8; the batch-tokens histogram grows by 3,000 tokens over 20 steps on x and 1,000 over
      // 20 on y → 4,000 ÷ 40 = 100 tokens per step. With max_num_seqs 32: 8 ÷ 32 = 0.25.
      const at = (s: number) => (START + s * 1e6) / 1000;
      const hist = (replica: string, stat: 'sum' | 'count', value: number, s: number) => ({
        ...replicaSample(replica, 'llm.batch.tokens', value, at(s)),
        model: 'm',
        labels: { stat },
      });
      await store.writeMetricSamples([
        { ...replicaSample('x', 'llm.requests.running', 6, at(0)), model: 'm' },
        { ...replicaSample('x', 'llm.requests.running', 10, at(15)), model: 'm' },
        { ...replicaSample('y', 'llm.requests.running', 8, at(0)), model: 'm' },
        { ...replicaSample('y', 'llm.requests.running', 8, at(15)), model: 'm' },
        hist('x', 'sum', 1000, 15),
        hist('x', 'sum', 2000, 30),
        hist('x', 'count', 20, 30),
        hist('y', 'sum', 1000, 30),
        hist('y', 'count', 20, 30),
      ]);
      const report = await schedulerReport(store, {
        range: { fromUs: START, toUs: START + 2 * MIN },
        stepUs: MIN,
        model: 'm',
        maxNumSeqs: 32,
      });
      const [first, second] = report.series;
      assert.equal(first?.running, 8);
      assert.equal(first?.tokensPerStep, 100);
      assert.equal(first?.batchUtilization, 0.25);
      assert.equal(second?.tokensPerStep, null);
      assert.equal(second?.batchUtilization, null);
    } finally {
      await store.close();
    }
  });
});
