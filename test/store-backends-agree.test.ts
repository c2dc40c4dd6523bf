import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ChdbClickHouseExecutor } from '../src/store/clickhouse/chdb-executor.ts';
import { ClickHouseStore } from '../src/store/clickhouse/clickhouse-store.ts';
import { DuckDbStore } from '../src/store/duckdb/duckdb-store.ts';
import { chargebackCsv } from '../src/analyze/cost/chargeback-csv.ts';
import { chargebackReport } from '../src/analyze/cost/chargeback.ts';
import { REQUEST_DIMENSIONS, type RequestAggregation, type Store } from '../src/store/store.ts';
import { CONTRACT_DATA, CONTRACT_METRICS, DAY_US, START_US } from './support/store-contract.ts';
import { KEEP_TEST_DATA } from './support/synthetic.ts';

const range = { fromUs: START_US, toUs: START_US + 3 * DAY_US };

/** Queries a UI or rollup would run; both backends must give the same answer to each. */
const AGGREGATIONS: RequestAggregation[] = [
  ...REQUEST_DIMENSIONS.map((dimension) => ({
    range,
    groupBy: [dimension],
    measures: [{ fn: 'count' as const }, { fn: 'sum' as const, field: 'cached_prompt_tokens' as const }],
  })),
  {
    range,
    groupBy: ['model', 'team'],
    bucketUs: 3_600_000_000,
    measures: [
      { fn: 'quantile', field: 'ttft_us', q: 0.99 },
      { fn: 'quantile', field: 'tpot_us', q: 0.5 },
      { fn: 'quantile', field: 'e2e_us', q: 0.999 },
      { fn: 'avg', field: 'queue_us' },
      { fn: 'sum', field: 'cost_usd' },
    ],
  },
  {
    range: { fromUs: START_US + 7_200_000_000, toUs: START_US + 9_000_000_000 },
    where: { status: ['error', 'timeout'], cluster: ['eu-west-4'] },
    groupBy: ['error_class'],
    measures: [{ fn: 'count' }, { fn: 'max', field: 'retries' }, { fn: 'min', field: 'prompt_tokens' }],
  },
];

describe('DuckDB and ClickHouse agree', () => {
  let duck: Store;
  let click: Store;

  before(async () => {
    duck = await DuckDbStore.open({ path: ':memory:' });
    const executor = await ChdbClickHouseExecutor.open(mkdtempSync(join(tmpdir(), 'kb-agree-')));
    click = new ClickHouseStore(executor, { retention: KEEP_TEST_DATA });
    await click.init();
    for (const store of [duck, click]) {
      await store.writeBatch(CONTRACT_DATA);
      await store.writeMetricSamples(CONTRACT_METRICS);
    }
  });

  after(async () => {
    await duck?.close();
    await click?.close();
  });

  it('returns identical aggregates for every dimension, percentile, bucket and filter', async () => {
    for (const aggregation of AGGREGATIONS) {
      const [fromDuck, fromClick] = await Promise.all([
        duck.aggregateRequests(aggregation),
        click.aggregateRequests(aggregation),
      ]);
      assert.ok(fromDuck.length > 0, `no rows for ${JSON.stringify(aggregation.groupBy)}`);
      assert.deepEqual(fromClick, fromDuck, `aggregation by ${aggregation.groupBy.join(',')}`);
    }
  });

  it('returns identical search results and request lookups', async () => {
    for (const orderBy of ['arrival', 'ttft_us', 'cost_usd', 'prompt_tokens'] as const) {
      const search = { range, orderBy, limit: 200 };
      assert.deepEqual(await click.searchRequests(search), await duck.searchRequests(search), orderBy);
    }
    for (const request of CONTRACT_DATA.requests.slice(0, 50)) {
      assert.deepEqual(await click.getRequest(request.requestId), await duck.getRequest(request.requestId));
    }
  });

  it('returns identical metric series', async () => {
    for (const aggregate of ['avg', 'max', 'min', 'sum', 'last'] as const) {
      const query = {
        name: 'llm.requests.waiting',
        range,
        groupBy: ['replica', 'model'] as const,
        stepUs: 60_000_000,
        aggregate,
      };
      assert.deepEqual(await click.queryMetric(query), await duck.queryMetric(query), aggregate);
    }
  });

  it('produce the same chargeback CSV', async () => {
    for (const granularity of ['day', 'total'] as const) {
      const query = { range, by: ['team', 'cluster', 'workload', 'model'] as const, granularity };
      const [fromDuck, fromClick] = await Promise.all([
        chargebackReport(duck, query),
        chargebackReport(click, query),
      ]);
      assert.ok(fromDuck.rows.length > 0);
      assert.equal(chargebackCsv(fromClick), chargebackCsv(fromDuck), granularity);
    }
  });
});
