/**
 * npm run bench:ingest [-- --spans 102400 --targets 500 --seconds 30]
 *
 * (a) OTLP/HTTP protobuf ingest end to end (decode → normalize → DuckDB) in this process, with
 *     DuckDB limited to one thread; the client runs in another process.
 * (b) Scraping --targets simulated vLLM endpoints every 5 s for --seconds, then Debian's Prometheus
 *     scraping the same endpoints for the same time: CPU-seconds per million samples, side by side.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { renderTable } from '../src/cli/table.ts';
import { IngestBuffer } from '../src/collect/ingest-buffer.ts';
import { OtlpIngest } from '../src/collect/otlp/ingest.ts';
import { OtlpHttpReceiver } from '../src/collect/otlp/receiver.ts';
import { Spool } from '../src/collect/spool.ts';
import { Scraper } from '../src/collect/scrape/scraper.ts';
import { StaticDiscovery, scrapeTargetSchema } from '../src/collect/scrape/targets.ts';
import { DuckDbStore } from '../src/store/duckdb/duckdb-store.ts';
import { createLogger } from '../src/util/log.ts';
import { freePort } from '../test/support/net.ts';

const { values: args } = parseArgs({
  options: {
    spans: { type: 'string', default: '102400' },
    targets: { type: 'string', default: '500' },
    seconds: { type: 'string', default: '30' },
  },
});
const SPANS_PER_BATCH = 512;
const BATCHES = Math.ceil(Number(args.spans) / SPANS_PER_BATCH);
const TARGETS = Number(args.targets);
const SECONDS = Number(args.seconds);
const log = createLogger('silent');
const dir = mkdtempSync(join(tmpdir(), 'kb-bench-ingest-'));
const f = (n: number, d = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

function load(...args: string[]): { child: ChildProcess; firstLine: Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/ingest-load.ts', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const firstLine = new Promise<string>((resolve) =>
    createInterface({ input: child.stdout! }).once('line', resolve),
  );
  return { child, firstLine };
}

const cpuSeconds = (from: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1e6;
};

// (a) OTLP ingest, without and with the write-ahead spool (answers wait for its fsync).
async function otlpIngest(spooled: boolean) {
  const store = await DuckDbStore.open({ path: join(dir, `otlp-${spooled}.duckdb`), threads: 1 });
  const spool = spooled ? new Spool(join(dir, 'spool')) : null;
  await spool?.open();
  const buffer = new IngestBuffer(store, log, {
    maxPendingRequests: 50_000,
    ...(spool ? { onSettled: (ids: string[]) => spool.release(ids) } : {}),
  });
  const receiver = new OtlpHttpReceiver({
    port: 0,
    context: { cluster: 'bench', model: 'llama-3-8b' },
    buffer,
    log,
    ...(spool
      ? { ingest: new OtlpIngest({ context: { cluster: 'bench', model: 'llama-3-8b' }, buffer, log, spool }) }
      : {}),
  });
  await receiver.listen();
  buffer.start();
  let peakRss = process.memoryUsage().rss;
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const client = load('otlp', `${receiver.url}/v1/traces`, String(BATCHES), String(SPANS_PER_BATCH));
  const [, sent, , retries] = (await client.firstLine).split(' ');
  await buffer.stop();
  const wall = (performance.now() - t0) / 1000;
  const cpuS = cpuSeconds(cpu);
  clearInterval(rssTimer);
  const stored = (await store.stats()).requests;
  await receiver.close();
  await spool?.close();
  await store.close();
  return { sent: Number(sent), retries: retries ?? '0', wall, cpu: cpuS, peakRss, stored, spooled };
}
const otlpRuns = [await otlpIngest(false), await otlpIngest(true)];

// (b) Scraping: KubeBurner, then Prometheus, against the same simulated targets.
const targetPort = await freePort();
const targets = load('targets', String(targetPort), String(TARGETS));
const samplesPerExposition = Number((await targets.firstLine).split(' ')[1]);
const urls = Array.from({ length: TARGETS }, (_, i) => `http://127.0.0.1:${targetPort}/r/${i}/metrics`);

const scrapeStore = await DuckDbStore.open({ path: join(dir, 'scrape.duckdb'), threads: 1 });
const scrapeBuffer = new IngestBuffer(scrapeStore, log, {
  maxPendingSamples: 5_000_000,
  flushIntervalMs: 1000,
});
scrapeBuffer.start();
const scraper = new Scraper(
  new StaticDiscovery(
    urls.map((url, i) => scrapeTargetSchema.parse({ url, replica: `r${i}`, interval_s: 5, timeout_s: 4 })),
  ),
  scrapeBuffer,
  log,
);
await scraper.sync();
await new Promise((resolve) => setTimeout(resolve, 6000)); // every target scraped once (baseline)
const scrapesBefore = scraper.health().reduce((n, h) => n + h.scrapes - h.failures, 0);
const cpuScrape = process.cpuUsage();
await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
const ourCpu = cpuSeconds(cpuScrape);
const ourScrapes = scraper.health().reduce((n, h) => n + h.scrapes - h.failures, 0) - scrapesBefore;
const ourFailures = scraper.health().reduce((n, h) => n + h.failures, 0);
scraper.stop();
await scrapeBuffer.stop();
await scrapeStore.close();
const ourSamples = ourScrapes * samplesPerExposition;

let prometheus: { cpu: number; samples: number; version: string } | null = null;
if (existsSync('/usr/bin/prometheus')) {
  const promPort = await freePort();
  const config = [
    'global:',
    '  scrape_interval: 5s',
    '  scrape_timeout: 4s',
    'scrape_configs:',
    '  - job_name: vllm',
    '    static_configs:',
    ...urls.map(
      (_, i) =>
        `      - targets: ['127.0.0.1:${targetPort}']\n        labels: { __metrics_path__: '/r/${i}/metrics', replica: 'r${i}' }`,
    ),
  ].join('\n');
  writeFileSync(join(dir, 'prometheus.yml'), config);
  const prom = spawn(
    '/usr/bin/prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
      '--log.level=error',
    ],
    { stdio: 'ignore' },
  );
  const ticks = () => {
    const fields = readFileSync(`/proc/${prom.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
  };
  const appended = async () => {
    const text = await (await fetch(`http://127.0.0.1:${promPort}/metrics`)).text();
    return Number(/^prometheus_tsdb_head_samples_appended_total(?:\{[^}]*\})? (\S+)$/m.exec(text)?.[1] ?? 0);
  };
  const version = await (async () => {
    for (let i = 0; i < 100; i++) {
      try {
        const text = await (await fetch(`http://127.0.0.1:${promPort}/metrics`)).text();
        return /prometheus_build_info\{[^}]*version="([^"]+)"/.exec(text)?.[1] ?? '?';
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    throw new Error('prometheus did not start');
  })();
  await new Promise((resolve) => setTimeout(resolve, 6000));
  const [cpu0, samples0] = [ticks(), await appended()];
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  const [cpu1, samples1] = [ticks(), await appended()];
  prom.kill('SIGTERM');
  prometheus = { cpu: cpu1 - cpu0, samples: samples1 - samples0, version };
}
targets.child.kill();
rmSync(dir, { recursive: true, force: true });

console.log(`\ningest benchmark\n`);
console.log(
  renderTable(
    [
      'OTLP/HTTP protobuf → DuckDB',
      'spans',
      'wall s',
      'spans/s',
      'CPU s (this process)',
      'cores used',
      'peak RSS',
      'stored',
      '429 retries',
    ],
    otlpRuns.map((run) => [
      `${BATCHES} batches × ${SPANS_PER_BATCH}${run.spooled ? ', spooled (fsync before 200)' : ''}`,
      f(run.sent),
      f(run.wall, 2),
      f(run.sent / run.wall),
      f(run.cpu, 2),
      f(run.cpu / run.wall, 2),
      `${f(run.peakRss / 2 ** 20)} MB`,
      f(run.stored),
      run.retries,
    ]),
  ),
);
console.log(
  `spooled ÷ unspooled: spans/s ${f(otlpRuns[1]!.sent / otlpRuns[1]!.wall / (otlpRuns[0]!.sent / otlpRuns[0]!.wall), 2)}×, CPU per span ${f(otlpRuns[1]!.cpu / otlpRuns[1]!.sent / (otlpRuns[0]!.cpu / otlpRuns[0]!.sent), 2)}×`,
);
const perMillion = (cpu: number, samples: number) => (samples > 0 ? cpu / (samples / 1e6) : NaN);
const ours = perMillion(ourCpu, ourSamples);
const rows: (string | number)[][] = [
  [
    'KubeBurner scraper (parse, normalize, deltas, DuckDB)',
    f(ourScrapes),
    f(ourSamples),
    f(ourCpu, 2),
    f(ourCpu / SECONDS, 3),
    f(ours, 2),
    ourFailures ? `${ourFailures} failed scrapes` : '',
  ],
];
if (prometheus) {
  const theirs = perMillion(prometheus.cpu, prometheus.samples);
  rows.push([
    `Prometheus ${prometheus.version} (Debian)`,
    '—',
    f(prometheus.samples),
    f(prometheus.cpu, 2),
    f(prometheus.cpu / SECONDS, 3),
    f(theirs, 2),
    '',
  ]);
  rows.push(['ratio KubeBurner ÷ Prometheus', '', '', '', '', `${f(ours / theirs, 2)}×`, '']);
}
console.log(
  renderTable(
    [
      `scraping ${TARGETS} vLLM targets every 5 s for ${SECONDS} s`,
      'scrapes',
      'samples',
      'CPU s',
      'cores',
      'CPU s / M samples',
      'notes',
    ],
    rows,
  ),
);
console.log(
  'targets: OTLP ≥ 50,000 spans/s on one core with RSS < 300 MB; scraping 500 targets every 5 s < 0.5 core.',
);
process.exit(0);
