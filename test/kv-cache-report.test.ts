import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PriceBook } from '../src/analyze/cost/price-book.ts';
import { kvCacheReport } from '../src/analyze/kv-cache.ts';
import type { InferenceRequest } from '../src/model/request.ts';
import { Fleet } from '../src/sim/fleet.ts';
import { demoReplicas } from '../src/sim/scenarios.ts';
import { DuckDbStore } from '../src/store/duckdb/duckdb-store.ts';
import { runFaultScenario } from './support/fault-scenario.ts';
import { replicaSample } from './support/samples.ts';

const START = Date.UTC(2026, 10, 25, 9) * 1000;
const BLOCK = 16; // the simulated vLLM's KV block size (tokens)

/**
 * A small deterministic run checked against numbers worked out by hand: one vLLM 8B replica, a
 * tenant whose requests share a 1,000-token system prompt (+50 unique tokens) and one with no
 * shared prefix, at a rate low enough that nothing is evicted.
 */
describe('KV-cache report on a deterministic simulator run', () => {
  it('gives the hit rate per tenant that the block arithmetic predicts', async () => {
    const fleet = new Fleet({
      seed: 4,
      startUs: START,
      replicas: demoReplicas().filter((r) => r.replica === 'vllm-llama-3-8b-0'),
      workload: {
        tenants: [
          {
            tenant: 'shared',
            team: 'a',
            model: 'llama-3-8b',
            requestsPerSecond: 1,
            families: [{ id: 'sys', systemPromptTokens: 1000, weight: 1 }],
            userPromptMedian: 50,
            userPromptSigma: 0,
            outputMedian: 10,
            outputSigma: 0,
            maxTokens: 64,
          },
          {
            tenant: 'unique',
            team: 'b',
            model: 'llama-3-8b',
            requestsPerSecond: 0.5,
            families: [],
            userPromptMedian: 1050,
            userPromptSigma: 0,
            outputMedian: 10,
            outputSigma: 0,
            maxTokens: 64,
          },
        ],
        diurnalAmplitude: 0,
        dayUs: 86_400e6,
      },
    });
    const records: InferenceRequest[] = [];
    fleet.onRecord(({ request }) => records.push(request));
    fleet.runUntil(START + 120e6);
    const store = await DuckDbStore.open({ path: ':memory:' });
    try {
      await store.writeBatch({ requests: records, spans: [] });
      const prices = new PriceBook();
      const report = await kvCacheReport(
        store,
        { range: { fromUs: START, toUs: START + 200e6 }, by: 'tenant' },
        prices,
      );
      const shared = report.rows.find((r) => r.group === 'shared');
      const unique = report.rows.find((r) => r.group === 'unique');
      assert.ok(shared && unique && shared.requests > 60 && unique.requests > 30);
      // The first request computes the system prompt; every later one finds its 62 whole blocks.
      const cachedPerRequest = Math.floor(1000 / BLOCK) * BLOCK; // 992
      assert.equal(shared.promptTokens, shared.requests * 1050);
      assert.equal(shared.cachedTokens, (shared.requests - 1) * cachedPerRequest);
      assert.ok(
        Math.abs((shared.hitRate ?? 0) - ((shared.requests - 1) * 992) / (shared.requests * 1050)) < 1e-12,
      );
      // The saving in GPU time: dollars ÷ the H100's $/GPU-hour (the replica has one GPU).
      const perGpuHour = prices.usdPerGpuHour('H100', 'us-east-1');
      assert.ok(Math.abs((shared.gpuHoursSaved ?? 0) - shared.savingsUsd / perGpuHour) < 1e-15);
      assert.ok((shared.gpuHoursSaved ?? 0) > 0);
      assert.equal(report.totals.gpuHoursSaved, shared.gpuHoursSaved);
      assert.equal(unique.cachedTokens, 0);
      assert.equal(unique.hitRate, 0);
      assert.ok(shared.savingsUsd > 0 && unique.savingsUsd === 0);
      assert.equal(report.totals.cachedTokens, shared.cachedTokens);
      assert.equal(report.totals.requests, shared.requests + unique.requests);
    } finally {
      await store.close();
    }
  });

  it('rates each replica’s eviction risk from its KV usage and preemptions', async () => {
    const store = await DuckDbStore.open({ path: ':memory:' });
    try {
      const sample = (replica: string, name: string, i: number, value: number) =>
        replicaSample(replica, name, value, START / 1000 + i * 5000);
      await store.writeMetricSamples([
        ...[0.5, 0.97, 0.9].map((v, i) => sample('full', 'llm.kv_cache.usage', i, v)),
        ...[0, 2, 1].map((v, i) => sample('full', 'llm.preemptions', i, v)),
        ...[0.6, 0.85].map((v, i) => sample('tight', 'llm.kv_cache.usage', i, v)),
        ...[0.1, 0.2].map((v, i) => sample('idle', 'llm.kv_cache.usage', i, v)),
      ]);
      const { replicas } = await kvCacheReport(store, {
        range: { fromUs: START, toUs: START + 60e6 },
        by: 'tenant',
      });
      assert.deepEqual(
        replicas.map((r) => [r.replica, r.peakUsage, r.preemptions, r.evictionRisk]),
        [
          ['full', 0.97, 3, 'high'],
          ['idle', 0.2, 0, 'ok'],
          ['tight', 0.85, 0, 'watch'],
        ],
      );
      assert.ok(Math.abs((replicas[0]?.meanUsage ?? 0) - 0.79) < 1e-9);
    } finally {
      await store.close();
    }
  });

  it('reads sampled KV block residency through the scrape path as the engine recorded it', async () => {
    // Long-context traffic on the 70B fleet fills the cache, so cached blocks are evicted; the
    // simulated vLLM samples 10 % of blocks (--kv-cache-metrics-sample 0.1), scraped every 5 s.
    const run = await runFaultScenario('kv_pressure', 1);
    try {
      const range = { fromUs: run.baseline.fromUs - 8 * 60e6, toUs: run.window.toUs + 1 };
      const { replicas } = await kvCacheReport(run.store, { range, by: 'replica' });
      assert.equal(replicas.length, 2);
      for (const row of replicas) {
        const stats = run.fleet.replicaByName(row.replica)?.engine.stats;
        assert.ok(stats && row.residency);
        const mean = (h: typeof stats.kvBlockLifetime) => h.sum / h.count;
        assert.ok(stats.kvBlockLifetime.count > 0, `${row.replica} evicted sampled blocks`);
        assert.equal(row.residency.sampledEvictions, stats.kvBlockLifetime.count);
        const near = (a: number | null, b: number, what: string) =>
          assert.ok(a !== null && Math.abs(a - b) < 1e-6 * b, `${row.replica} ${what}: ${a} vs ${b}`);
        near(row.residency.lifetimeS, mean(stats.kvBlockLifetime), 'lifetime');
        near(row.residency.idleBeforeEvictS, mean(stats.kvBlockIdleBeforeEvict), 'idle before eviction');
        near(row.residency.reuseGapS, mean(stats.kvBlockReuseGap), 'reuse gap');
        // A block is idle for at most its whole life.
        assert.ok((row.residency.idleBeforeEvictS ?? 0) <= (row.residency.lifetimeS ?? 0));
      }
    } finally {
      await run.store.close();
    }
  });
});
