import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { DuckDbStore } from '../store/duckdb/duckdb-store.ts';
import { syntheticData } from '../../test/support/synthetic.ts';
import { createApi } from './api.ts';

/**
 * Any query on any route: the answer is the data, a 400 naming what is wrong, a 403 or a 404 —
 * never a 500 (a bug) and never a stall. Run in process (Hono's app.request), against real DuckDB.
 */
const SEED = Number(process.env.KUBEBURNER_FUZZ_SEED ?? Date.now() % 1_000_000);
const NOV_1 = Date.UTC(2026, 10, 1) * 1000;
const DAY_US = 86_400_000_000;

const ROUTES = [
  '/api/requests',
  '/api/requests/chatcmpl-x',
  '/api/percentiles',
  '/api/timeseries',
  '/api/overview',
  '/api/chargeback',
  '/api/cost/latency',
  '/api/cost/wasted',
  '/api/gpu',
  '/api/kv-cache',
  '/api/scheduler',
  '/api/capacity',
  '/api/scaling',
  '/api/slo',
  '/api/slo/none',
  '/api/alerts',
  '/api/incidents',
  '/api/replicas/vllm-0/typical-request',
  '/api/recommendations',
];
const KEYS = [
  'from',
  'to',
  'step',
  'by',
  'model',
  'team',
  'cluster',
  'status',
  'replica',
  'limit',
  'order_by',
  'direction',
  'above',
  'percentile_of',
  'id',
  'granularity',
  'basis',
  'period',
  'max_num_seqs',
  'starved_after',
  'format',
  'horizon',
];
const VALUES = fc.oneof(
  fc.string(),
  fc.constantFrom(
    '1h',
    '15m',
    '7d',
    '100000d',
    '1s',
    'now',
    '0',
    '-1',
    '1e309',
    'NaN',
    '2026-11-01',
    'p99',
    'team',
    'model',
    'csv',
    '',
  ),
  fc.integer().map(String),
  fc.double().map(String),
  fc.string({ unit: 'binary', maxLength: 40 }),
);
const query = fc.record({
  route: fc.constantFrom(...ROUTES),
  params: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 12 })), VALUES), {
    maxLength: 5,
  }),
});

describe(`API query parameters, fuzzed (seed ${SEED}; KUBEBURNER_FUZZ_SEED replays)`, () => {
  let store: DuckDbStore;
  let app: ReturnType<typeof createApi>;

  before(async () => {
    store = await DuckDbStore.open({ path: ':memory:' });
    await store.writeBatch(syntheticData({ seed: 5, count: 200, startUs: NOV_1, spanUs: DAY_US }));
    app = createApi({ store, nowUs: () => NOV_1 + DAY_US, webRoot: null });
  });
  after(() => store.close());

  it('answers every query with data, a 400, a 403 or a 404 — never a 500', async () => {
    await fc.assert(
      fc.asyncProperty(query, async ({ route, params }) => {
        const search = new URLSearchParams(params).toString();
        const response = await app.request(`${route}${search ? `?${search}` : ''}`);
        const body = await response.text();
        assert.ok(
          [200, 400, 403, 404].includes(response.status),
          `${route}?${search} → ${response.status} ${body.slice(0, 300)}`,
        );
        if (response.status === 400) assert.match(body, /"error"/);
      }),
      { numRuns: 10_000, seed: SEED, interruptAfterTimeLimit: 240_000 },
    );
  });
});
