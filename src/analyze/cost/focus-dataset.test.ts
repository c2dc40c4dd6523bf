import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { DuckDbStore } from '../../store/duckdb/duckdb-store.ts';
import { syntheticData } from '../../../test/support/synthetic.ts';
import { focusViolations } from '../../../test/support/focus-rules.ts';
import { chargebackReport } from './chargeback.ts';
import { DEFAULT_FOCUS_IDENTITY, focusDataset } from './focus-dataset.ts';

const OCT_25 = Date.UTC(2026, 9, 25) * 1000;
const NOV_10 = Date.UTC(2026, 10, 10) * 1000;

/** Idle cost and GPU time as the collector stores them, for a 2-GPU replica idle `seconds`. */
function idle(timeMs: number, cluster: string, seconds: number, usdPerGpuHour: number) {
  const base = {
    timeMs,
    cluster,
    model: 'm',
    replica: `${cluster}-0`,
    engine: 'vllm',
    labels: { node_pool: 'p' },
  };
  return [
    { ...base, name: 'llm.gpu.idle_cost', value: (2 * seconds * usdPerGpuHour) / 3600 },
    { ...base, name: 'llm.gpu.idle_gpu_seconds', value: 2 * seconds },
  ];
}

const parseCsv = (csv: string) => {
  const [header, ...rows] = parse(csv) as string[][];
  return {
    header: header!,
    rows: rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i] ?? '']))),
  };
};

describe('FOCUS 1.2 export', () => {
  let store: DuckDbStore;
  const seed = Date.now() % 100_000;

  before(async () => {
    console.log(`focus export: seed ${seed}`);
    store = await DuckDbStore.open({ path: ':memory:' });
    const data = syntheticData({ seed, count: 2000, startUs: OCT_25, spanUs: NOV_10 - OCT_25 });
    await store.writeBatch(data);
    await store.writeMetricSamples([
      ...idle(Date.UTC(2026, 9, 30, 3), 'c1', 900, 3.6),
      ...idle(Date.UTC(2026, 10, 4, 3), 'c2', 1800, 2.4),
    ]);
  });
  after(() => store.close());

  for (const granularity of ['day', 'month'] as const)
    for (const basis of ['usage', 'allocation'] as const)
      it(`meets every FOCUS 1.2 column rule by ${granularity}, ${basis} basis, and adds up to the report`, async () => {
        // A range with milliseconds: FOCUS timestamps have none.
        const range = { fromUs: OCT_25 + 123_456, toUs: NOV_10 - 654_321 };
        const report = await chargebackReport(store, { range, by: ['team', 'model'], granularity, basis });
        const { header, rows } = parseCsv(focusDataset(report, DEFAULT_FOCUS_IDENTITY));
        assert.deepEqual(focusViolations(header, rows), []);
        assert.equal(rows.length, report.rows.length);
        const billed = rows.reduce((s, r) => s + Number(r.BilledCost), 0);
        const bill = report.totals.costUsd + report.idleCostUsd;
        assert.ok(Math.abs(billed - bill) < 1e-5 * rows.length, `${billed} vs ${bill}`);
        assert.equal(rows[0]!.ChargePeriodStart, '2026-10-25T00:00:00Z');
        assert.ok(rows.every((r) => r.x_FocusVersion === '1.2'));
      });

  it('prices idle rows in GPU-hours and usage rows in tokens', async () => {
    const report = await chargebackReport(store, {
      range: { fromUs: OCT_25, toUs: NOV_10 },
      by: ['team'],
      granularity: 'month',
    });
    const { rows } = parseCsv(focusDataset(report, DEFAULT_FOCUS_IDENTITY));
    const idleRows = rows.filter((r) => r.x_CostKind === 'idle');
    // 900 s and 1800 s on 2 GPUs: 0.5 and 1 GPU-hour, in October and November.
    assert.deepEqual(
      idleRows.map((r) => [r.BillingPeriodStart, r.PricingUnit, Number(r.PricingQuantity)]),
      [
        ['2026-10-01T00:00:00Z', 'GPU-Hours', 0.5],
        ['2026-11-01T00:00:00Z', 'GPU-Hours', 1],
      ],
    );
    for (const r of rows.filter((row) => row.x_CostKind === 'usage')) {
      assert.equal(r.PricingUnit, 'Tokens');
      assert.ok(Number(r.PricingQuantity) > 0);
    }
  });

  it('refuses a charge period that spans two billing months, and the rules catch a broken dataset', async () => {
    const report = await chargebackReport(store, {
      range: { fromUs: OCT_25, toUs: NOV_10 },
      by: ['team'],
      granularity: 'total',
    });
    assert.throws(() => focusDataset(report, DEFAULT_FOCUS_IDENTITY), /one billing month/);
    const { header, rows } = parseCsv(
      focusDataset(
        { ...report, granularity: 'month', rows: report.rows.slice(0, 0) },
        DEFAULT_FOCUS_IDENTITY,
      ),
    );
    const broken = { ...rows[0], ChargePeriodStart: '2026-10-25T00:00:00.000Z', ServiceCategory: 'GPUs' };
    const violations = focusViolations(
      header.filter((h) => h !== 'ListCost'),
      [broken as Record<string, string>],
    );
    assert.ok(violations.some((v) => v.includes('missing mandatory column ListCost')));
    assert.ok(violations.some((v) => v.includes('ChargePeriodStart')));
    assert.ok(violations.some((v) => v.includes('ServiceCategory')));
  });
});
