/**
 * npm run bench:api [-- --requests 1000000]
 *
 * The web UI's reads on a store of N synthetic requests (5 spans each) over one day, through the
 * real API (in-process fetch, no socket): each page's calls, timed best of three. The baseline is
 * what a UI without server-side aggregation would do: pull the day's raw request rows (capped at
 * 100,000, the store's largest search) to aggregate in the browser.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { renderTable } from '../src/cli/table.ts';
import { createApi } from '../src/serve/api.ts';
import { DuckDbStore } from '../src/store/duckdb/duckdb-store.ts';
import { syntheticBatches } from '../test/support/synthetic.ts';

const { values: args } = parseArgs({ options: { requests: { type: 'string', default: '1000000' } } });
const REQUESTS = Number(args.requests);
const DAY_US = 86_400_000_000;
const END_US = Date.UTC(2026, 10, 25) * 1000;

const dir = mkdtempSync(join(tmpdir(), 'kb-bench-api-'));
const store = await DuckDbStore.open({ path: join(dir, 'bench.duckdb') });
await store.init();
const t0 = performance.now();
let someId = '';
for (const batch of syntheticBatches(
  { seed: 11, count: REQUESTS, startUs: END_US - DAY_US, spanUs: DAY_US },
  50_000,
)) {
  await store.writeBatch(batch);
  someId ||= batch.requests[batch.requests.length >> 1]?.requestId ?? '';
}
const loadS = (performance.now() - t0) / 1000;
const app = createApi({ store, nowUs: () => END_US, webRoot: null });

async function call(path: string): Promise<number> {
  const res = await app.request(path);
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.arrayBuffer()).byteLength;
}

async function bestOf3(paths: string[]): Promise<{ ms: number; bytes: number }> {
  let best = Infinity;
  let bytes = 0;
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    bytes = (await Promise.all(paths.map(call))).reduce((a, b) => a + b, 0);
    best = Math.min(best, performance.now() - start);
  }
  return { ms: best, bytes };
}

const pages: [string, string[]][] = [
  ['Overview', ['/api/overview?from=15m', '/api/timeseries?from=1h&step=1m']],
  [
    'Requests (24 h)',
    ['/api/percentiles?from=24h&by=model', '/api/requests?from=24h&order_by=e2e_us&limit=50'],
  ],
  ['Requests ≥ p99 (24 h)', ['/api/requests?from=24h&above=p99&limit=50']],
  ['Flame graph', [`/api/requests/${encodeURIComponent(someId)}`]],
  [
    'Cost (24 h)',
    [
      '/api/chargeback?from=24h&by=team&granularity=total',
      '/api/cost/latency?from=24h&step=15m&by=model',
      '/api/cost/wasted?from=24h&step=15m',
    ],
  ],
  ['KV cache (24 h)', ['/api/kv-cache?from=24h&by=tenant']],
  ['Time series (24 h, by model)', ['/api/timeseries?from=24h&step=15m&by=model']],
];

const baseline = await bestOf3(['/api/requests?from=24h&order_by=arrival&limit=1000']);
const rawStart = performance.now();
const raw = await store.searchRequests({
  range: { fromUs: END_US - DAY_US, toUs: END_US },
  orderBy: 'arrival',
  limit: 100_000,
});
const rawMs = performance.now() - rawStart;
const rawBytes = Buffer.byteLength(JSON.stringify({ requests: raw }));

const rows: string[][] = [];
for (const [name, paths] of pages) {
  const { ms, bytes } = await bestOf3(paths);
  rows.push([name, String(paths.length), ms.toFixed(0), (bytes / 1024).toFixed(1), (rawMs / ms).toFixed(1)]);
}
rows.push(['baseline: raw rows (100k cap)', '1', rawMs.toFixed(0), (rawBytes / 1024).toFixed(0), '1.0']);
process.stdout.write(
  `API reads of the UI's pages on ${REQUESTS.toLocaleString('en-US')} requests (DuckDB, loaded in ${loadS.toFixed(0)} s; one page of 1,000 raw rows: ${baseline.ms.toFixed(0)} ms)\n`,
);
process.stdout.write(
  `${renderTable(['page', 'API calls', 'best of 3 (ms)', 'answer (KiB)', 'raw-rows time ÷ page time'], rows)}\n`,
);
process.stdout.write(
  `The raw-rows baseline fetched ${raw.length.toLocaleString('en-US')} of the day's ${REQUESTS.toLocaleString('en-US')} requests; the pages aggregate all of them.\n`,
);
await store.close();
rmSync(dir, { recursive: true, force: true });
