import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeRequest } from '../../model/request.ts';
import { DuckDbStore } from '../../store/duckdb/duckdb-store.ts';
import type { Store } from '../../store/store.ts';
import { latencyCostSeries, wastedSpendSeries } from './latency-cost-series.ts';

const T0 = Date.UTC(2026, 10, 20) * 1000;
const HOUR_US = 3_600_000_000;

describe('latency–cost and wasted-spend series', () => {
  let store: Store;

  before(async () => {
    store = await DuckDbStore.open({ path: join(mkdtempSync(join(tmpdir(), 'kb-series-')), 'store.duckdb') });
    await store.init();
    // Hour 0: fast and cheap. Hour 1: slow and dear (a saturated replica).
    const requests = [
      ...[100, 200, 300].map((ttftMs, i) =>
        makeRequest({
          requestId: `a${i}`,
          arrivalUs: T0 + i,
          model: 'm',
          ttftUs: ttftMs * 1000,
          e2eUs: 1_000_000,
          costUsd: 0.01,
          promptTokens: 900,
          outputTokens: 100,
        }),
      ),
      ...[2000, 3000].map((ttftMs, i) =>
        makeRequest({
          requestId: `b${i}`,
          arrivalUs: T0 + HOUR_US + i,
          model: 'm',
          ttftUs: ttftMs * 1000,
          e2eUs: 9_000_000,
          costUsd: 0.05,
          promptTokens: 900,
          outputTokens: 100,
        }),
      ),
    ];
    await store.writeBatch({ requests, spans: [] });
    const idle = (timeMs: number, value: number) => ({
      timeMs,
      name: 'llm.gpu.idle_cost',
      value,
      cluster: 'c1',
      model: 'm',
      replica: 'r0',
      engine: 'vllm',
      labels: {},
    });
    await store.writeMetricSamples([idle(T0 / 1000 + 10, 0.2), idle(T0 / 1000 + 20, 0.3)]);
  });
  after(() => store.close());

  it('puts percentiles and dollars for each bucket side by side', async () => {
    const points = await latencyCostSeries(store, {
      range: { fromUs: T0, toUs: T0 + 2 * HOUR_US },
      by: 'model',
      stepUs: HOUR_US,
    });
    assert.equal(points.length, 2);
    const [cheap, dear] = points;
    assert.equal(cheap?.requests, 3);
    assert.equal(cheap?.ttftP50Us, 200_000);
    assert.ok(Math.abs(cheap!.costUsd - 0.03) < 1e-12);
    assert.ok(Math.abs(cheap!.usdPer1kTokens! - 0.01) < 1e-12);
    assert.equal(dear?.bucketStartUs, T0 + HOUR_US);
    assert.ok(dear!.ttftP99Us! > 2_900_000);
    assert.ok(Math.abs(dear!.usdPer1kTokens! - 0.05) < 1e-12);
  });

  it('prices failed, timed-out and cancelled requests as wasted spend, per team and status', async () => {
    await store.writeBatch({
      requests: [
        makeRequest({
          requestId: 'w1',
          arrivalUs: T0 + 5,
          team: 'ads',
          status: 'timeout',
          costUsd: 0.2,
          promptTokens: 8000,
        }),
        makeRequest({
          requestId: 'w2',
          arrivalUs: T0 + 6,
          team: 'ads',
          status: 'timeout',
          costUsd: 0.1,
          outputTokens: 50,
        }),
        makeRequest({ requestId: 'w3', arrivalUs: T0 + 7, team: 'ads', status: 'cancelled', costUsd: 0.05 }),
        makeRequest({ requestId: 'w4', arrivalUs: T0 + 8, team: 'ads', status: 'rejected', costUsd: null }),
      ],
      spans: [],
    });
    const { failed } = await wastedSpendSeries(store, {
      range: { fromUs: T0, toUs: T0 + 2 * HOUR_US },
      stepUs: HOUR_US,
      by: 'team',
    });
    assert.deepEqual(
      failed.map((p) => [p.group, p.status, p.requests, Number(p.costUsd.toFixed(9)), p.tokens]),
      [
        ['ads', 'cancelled', 1, 0.05, 0],
        ['ads', 'timeout', 2, 0.3, 8050],
      ],
      'ok requests are not waste; rejected ones never ran',
    );
  });

  it('sums idle dollars per cluster and bucket', async () => {
    const { idle } = await wastedSpendSeries(store, {
      range: { fromUs: T0, toUs: T0 + HOUR_US },
      stepUs: HOUR_US,
      by: 'team',
    });
    assert.equal(idle.length, 1);
    assert.equal(idle[0]?.cluster, 'c1');
    assert.ok(Math.abs(idle[0]!.idleCostUsd - 0.5) < 1e-12);
  });

  it('refuses a step that would make too many buckets', async () => {
    await assert.rejects(
      latencyCostSeries(store, { range: { fromUs: T0, toUs: T0 + HOUR_US }, by: 'model', stepUs: 1 }),
      /too many|more than/,
    );
  });
});
