import assert from 'node:assert/strict';
import type { ChargebackRow } from './chargeback.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { makeRequest, type InferenceRequest } from '../../model/request.ts';
import { DuckDbStore } from '../../store/duckdb/duckdb-store.ts';
import type { Store } from '../../store/store.ts';
import { syntheticData } from '../../../test/support/synthetic.ts';
import { chargebackCsv } from './chargeback-csv.ts';
import { calendarPeriod, chargebackReport } from './chargeback.ts';

const OCT_25 = Date.UTC(2026, 9, 25) * 1000;
const NOV_10 = Date.UTC(2026, 10, 10) * 1000;
const DAY_US = 86_400_000_000;

/** Idle GPU cost as the collector stores it (model m, one replica per cluster). */
function idleSample(timeMs: number, cluster: string, value: number, labels: Record<string, string> = {}) {
  return {
    timeMs,
    name: 'llm.gpu.idle_cost',
    value,
    cluster,
    model: 'm',
    replica: `${cluster}-0`,
    engine: 'vllm',
    labels,
  };
}

describe('chargeback report', () => {
  let store: Store;
  let requests: InferenceRequest[];

  before(async () => {
    store = await DuckDbStore.open({
      path: join(mkdtempSync(join(tmpdir(), 'kb-chargeback-')), 'store.duckdb'),
    });
    await store.init();
    const data = syntheticData({ seed: 11, count: 3000, startUs: OCT_25, spanUs: NOV_10 - OCT_25 });
    // A few collected requests with no price: counted and tokenised, never silently priced at $0.
    const unpriced = [0, 1, 2].map((i) =>
      makeRequest({
        requestId: `unpriced-${i}`,
        arrivalUs: Date.UTC(2026, 10, 2, 12) * 1000 + i,
        team: 'search',
        cluster: 'us-east-1',
        promptTokens: 100,
        outputTokens: 10,
      }),
    );
    requests = [...data.requests, ...unpriced];
    await store.writeBatch({ requests, spans: data.spans });
  });
  after(() => store.close());

  it('sums each team’s cost per calendar month, splitting at the month boundary', async () => {
    const range = { fromUs: OCT_25, toUs: NOV_10 };
    const report = await chargebackReport(store, { range, by: ['team'], granularity: 'month' });
    const expected = new Map<string, { cost: number; count: number; unpriced: number; tokens: number }>();
    for (const r of requests) {
      const month = new Date(r.arrivalUs / 1000).getUTCMonth();
      const key = `${r.team}|${month}`;
      const e = expected.get(key) ?? { cost: 0, count: 0, unpriced: 0, tokens: 0 };
      e.cost += r.costUsd ?? 0;
      e.count += 1;
      e.unpriced += r.costUsd === null ? 1 : 0;
      e.tokens += r.promptTokens + r.outputTokens;
      expected.set(key, e);
    }
    assert.equal(report.rows.length, expected.size);
    for (const row of report.rows) {
      const month = new Date(row.periodStartUs / 1000).getUTCMonth();
      const e = expected.get(`${row.group.team}|${month}`);
      assert.ok(e, `unexpected row ${JSON.stringify(row.group)} month ${month}`);
      assert.ok(Math.abs(row.costUsd - e.cost) < 1e-6, `${row.group.team}: ${row.costUsd} vs ${e.cost}`);
      assert.equal(row.requests, e.count);
      assert.equal(row.unpricedRequests, e.unpriced);
      assert.equal(row.promptTokens + row.outputTokens, e.tokens);
    }
    const october = report.rows.filter((r) => new Date(r.periodStartUs / 1000).getUTCMonth() === 9);
    // October rows are clipped to the query range: they start on the 25th, end on Nov 1.
    assert.ok(
      october.every((r) => r.periodStartUs === OCT_25 && r.periodEndUs === Date.UTC(2026, 10, 1) * 1000),
    );
    const total = requests.reduce((s, r) => s + (r.costUsd ?? 0), 0);
    assert.ok(Math.abs(report.totals.costUsd - total) < 1e-6);
    assert.equal(report.totals.unpricedRequests, 3);
  });

  it('groups by team × cluster × workload × model per day', async () => {
    const range = { fromUs: NOV_10 - 3 * DAY_US, toUs: NOV_10 };
    const report = await chargebackReport(store, {
      range,
      by: ['team', 'cluster', 'workload', 'model'],
      granularity: 'day',
    });
    const inRange = requests.filter((r) => r.arrivalUs >= range.fromUs && r.arrivalUs < range.toUs);
    assert.equal(
      report.rows.reduce((s, r) => s + r.requests, 0),
      inRange.length,
    );
    assert.ok(report.rows.every((r) => r.periodEndUs - r.periodStartUs === DAY_US));
    const keys = new Set(report.rows.map((r) => JSON.stringify([r.group, r.periodStartUs])));
    assert.equal(keys.size, report.rows.length, 'each group appears once per day');
    const oneRow = report.rows.find((r) => r.costUsd > 0 && r.promptTokens + r.outputTokens > 0);
    assert.ok(oneRow);
    assert.ok(
      Math.abs(
        oneRow.usdPer1kTokens! - (oneRow.costUsd / (oneRow.promptTokens + oneRow.outputTokens)) * 1000,
      ) < 1e-12,
    );
  });

  it('exports a CSV whose BilledCost column adds up to the report total', async () => {
    const report = await chargebackReport(store, {
      range: calendarPeriod('2026-Q4'),
      by: ['team', 'model'],
      granularity: 'month',
    });
    const rows = parse(chargebackCsv(report), { columns: true }) as Record<string, string>[];
    assert.equal(rows.length, report.rows.length);
    const first = rows[0]!;
    for (const column of [
      'ChargePeriodStart',
      'ChargePeriodEnd',
      'BilledCost',
      'BillingCurrency',
      'x_Team',
      'x_Model',
    ])
      assert.ok(column in first, `missing column ${column}`);
    assert.match(first.ChargePeriodStart!, /^\d{4}-\d{2}-\d{2}T00:00:00Z$/);
    const billed = rows.reduce((s, r) => s + Number(r.BilledCost), 0);
    assert.ok(Math.abs(billed - report.totals.costUsd) < 1e-4, `${billed} vs ${report.totals.costUsd}`);
    // The team with a quote and backslash in its name survives the round trip.
    assert.ok(rows.some((r) => r.x_Team === "o'brien \\ co"));
  });

  it('writes a name that starts like a spreadsheet formula as inert text', () => {
    const row: ChargebackRow = {
      kind: 'usage',
      group: { team: '=HYPERLINK("http://x","y")' },
      periodStartUs: 0,
      periodEndUs: DAY_US,
      requests: 1,
      unpricedRequests: 0,
      promptTokens: 10,
      cachedPromptTokens: 0,
      outputTokens: 5,
      costUsd: 1,
      idleGpuHours: 0,
      idleShareUsd: 0,
      cacheSavingsUsd: 0,
      usdPer1kTokens: null,
    };
    const { kind: _k, group: _g, periodStartUs: _s, periodEndUs: _e, ...totals } = row;
    const csv = chargebackCsv({
      range: { fromUs: 0, toUs: DAY_US },
      by: ['team'],
      granularity: 'total',
      basis: 'usage',
      rows: [row],
      totals,
      idleCostUsd: 0,
      unallocatedIdleUsd: 0,
    });
    const rows = parse(csv, { columns: true }) as Record<string, string>[];
    assert.equal(rows[0]?.x_Team, `'=HYPERLINK("http://x","y")`);
    assert.equal(rows[0]?.BilledCost, '1.000000');
  });

  it('rejects an empty range and a missing dimension', async () => {
    await assert.rejects(
      chargebackReport(store, { range: { fromUs: NOV_10, toUs: NOV_10 }, by: ['team'], granularity: 'day' }),
      /range is empty/,
    );
    await assert.rejects(
      chargebackReport(store, { range: { fromUs: OCT_25, toUs: NOV_10 }, by: [], granularity: 'day' }),
      /at least one --by/,
    );
  });
});

describe('chargeback idle lines', () => {
  it('reports idle GPU cost per cluster and model apart from team usage', async () => {
    const store = await DuckDbStore.open({
      path: join(mkdtempSync(join(tmpdir(), 'kb-idle-')), 'store.duckdb'),
    });
    try {
      await store.init();
      await store.writeBatch({
        requests: [
          makeRequest({ requestId: 'r1', arrivalUs: NOV_10 + 1000, team: 'ads', cluster: 'c1', costUsd: 2 }),
        ],
        spans: [],
      });
      const t = NOV_10 / 1000;
      await store.writeMetricSamples([
        idleSample(t + 1, 'c1', 0.25),
        idleSample(t + 2, 'c1', 0.5),
        idleSample(t + 3, 'c2', 1),
      ]);
      const report = await chargebackReport(store, {
        range: { fromUs: NOV_10, toUs: NOV_10 + DAY_US },
        by: ['team', 'cluster'],
        granularity: 'total',
      });
      assert.equal(report.totals.costUsd, 2, 'idle is not in usage totals');
      assert.ok(Math.abs(report.idleCostUsd - 1.75) < 1e-12);
      const idleRows = report.rows.filter((r) => r.kind === 'idle');
      assert.deepEqual(
        idleRows.map((r) => [r.group.team, r.group.cluster, r.costUsd]),
        [
          ['(idle)', 'c1', 0.75],
          ['(idle)', 'c2', 1],
        ],
      );
      const csv = parse(chargebackCsv(report), { columns: true }) as Record<string, string>[];
      assert.deepEqual(
        csv.map((r) => r.x_CostKind),
        ['usage', 'idle', 'idle'],
      );
      const withoutIdle = await chargebackReport(store, {
        range: { fromUs: NOV_10, toUs: NOV_10 + DAY_US },
        by: ['team'],
        granularity: 'total',
        includeIdle: false,
      });
      assert.equal(withoutIdle.rows.length, 1);
    } finally {
      await store.close();
    }
  });
});

describe('chargeback cost bases', () => {
  const idle = (cluster: string, value: number, labels: Record<string, string>) =>
    idleSample(NOV_10 / 1000 + 1, cluster, value, labels);
  let store: Store;
  before(async () => {
    store = await DuckDbStore.open({ path: join(mkdtempSync(join(tmpdir(), 'kb-basis-')), 'store.duckdb') });
    const request = (
      id: string,
      team: string,
      cluster: string,
      costUsd: number,
      cacheSavingsUsd: number | null,
    ) =>
      makeRequest({
        requestId: id,
        arrivalUs: NOV_10 + 1000,
        team,
        cluster,
        model: 'm',
        costUsd,
        cacheSavingsUsd,
        promptTokens: 1000,
        cachedPromptTokens: 400,
      });
    await store.writeBatch({
      requests: [
        request('a', 'ads', 'c1', 3, 0.5),
        request('b', 'search', 'c1', 1, null),
        request('c', 'ads', 'c2', 2, 0.25),
      ],
      spans: [],
    });
    await store.writeMetricSamples([
      idle('c1', 2, { workload: 'm-vllm', namespace: 'llm', node_pool: 'h100-pool' }),
      idle('c1', 1, { workload: 'm-vllm', namespace: 'llm', node_pool: 'h100-spot' }),
      // Nobody used cluster c3 that day: its idle cannot be shared.
      idle('c3', 5, {}),
    ]);
  });
  after(() => store.close());
  const range = { fromUs: NOV_10, toUs: NOV_10 + DAY_US };

  it('keeps idle per cluster, workload and node pool in the usage basis', async () => {
    const report = await chargebackReport(store, {
      range,
      by: ['cluster', 'workload'],
      granularity: 'total',
    });
    assert.equal(report.basis, 'usage');
    assert.deepEqual(
      report.rows
        .filter((r) => r.kind === 'idle')
        .map((r) => [r.group.cluster, r.group.workload, r.nodePool, r.costUsd]),
      [
        ['c1', 'm-vllm', 'h100-pool', 2],
        ['c1', 'm-vllm', 'h100-spot', 1],
        ['c3', '(idle)', '', 5],
      ],
    );
    assert.equal(report.unallocatedIdleUsd, 8);
    assert.ok(report.rows.every((r) => r.idleShareUsd === 0));
  });

  it('sums cache-hit savings per team, apart from cost', async () => {
    const report = await chargebackReport(store, {
      range,
      by: ['team'],
      granularity: 'total',
      includeIdle: false,
    });
    assert.deepEqual(
      report.rows.map((r) => [r.group.team, r.costUsd, r.cacheSavingsUsd]),
      [
        ['ads', 5, 0.75],
        ['search', 1, 0],
      ],
    );
  });

  it('shares idle among the teams of the same cluster and model by usage cost, and reconciles', async () => {
    const report = await chargebackReport(store, {
      range,
      by: ['team'],
      granularity: 'total',
      basis: 'allocation',
    });
    const usage = report.rows.filter((r) => r.kind === 'usage');
    // c1's $3 idle: ads used $3 of c1's $4 → $2.25, search $0.75; c2 had no idle.
    assert.deepEqual(
      usage.map((r) => [r.group.team, r.costUsd, r.idleShareUsd]),
      [
        ['ads', 5, 2.25],
        ['search', 1, 0.75],
      ],
    );
    assert.deepEqual(
      report.rows.filter((r) => r.kind === 'idle').map((r) => [r.group.team, r.costUsd]),
      [['(idle)', 5]],
      'c3 idle had no users and stays idle',
    );
    assert.equal(report.idleCostUsd, 8);
    assert.equal(report.unallocatedIdleUsd, 5);
    assert.ok(
      Math.abs(report.totals.costUsd + report.totals.idleShareUsd + report.unallocatedIdleUsd - (6 + 8)) <
        1e-12,
      'allocation reconciles with usage + idle',
    );
    const csv = parse(chargebackCsv(report), { columns: true }) as Record<string, string>[];
    assert.deepEqual(
      csv.map((r) => [r.x_Team, r.x_CostBasis, r.BilledCost, r.x_UsageCost, r.x_IdleShareCost]),
      [
        ['ads', 'allocation', '7.250000', '5.000000', '2.250000'],
        ['search', 'allocation', '1.750000', '1.000000', '0.750000'],
        ['(idle)', 'allocation', '5.000000', '0.000000', '0.000000'],
      ],
    );
    const billed = csv.reduce((sum, r) => sum + Number(r.BilledCost), 0);
    assert.equal(billed, 14, 'BilledCost adds up to the whole GPU bill in the allocation basis');
  });
});

describe('calendar periods', () => {
  it('turns months, quarters and years into UTC ranges', () => {
    assert.deepEqual(calendarPeriod('2026-02'), {
      fromUs: Date.UTC(2026, 1, 1) * 1000,
      toUs: Date.UTC(2026, 2, 1) * 1000,
    });
    assert.deepEqual(calendarPeriod('2026-Q4'), {
      fromUs: Date.UTC(2026, 9, 1) * 1000,
      toUs: Date.UTC(2027, 0, 1) * 1000,
    });
    assert.equal(calendarPeriod('2025').toUs, Date.UTC(2026, 0, 1) * 1000);
    assert.throws(() => calendarPeriod('2026-13'), /invalid month/);
    assert.throws(() => calendarPeriod('last month'), /YYYY-MM, YYYY-Qn or YYYY/);
  });
});
