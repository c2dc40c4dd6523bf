/**
 * npm run bench:gateway [-- --rate 1000 --seconds 30 --rounds 5 --warmup-seconds 15 --streams 2000
 *                          --chunks 20 --gap-ms 100 --affinity-seconds 40 --parts abcd --load wrk|node]
 *
 * (a) non-streaming at --rate req/s for --seconds per path, in --rounds rotating rounds after a
 *     warm-up: latency direct to a minimal upstream, through the KubeBurner gateway, a bare Node
 *     proxy and nginx (Debian's, one worker, keep-alive upstream, no buffering); added p50/p99 =
 *     path − direct. The gateway runs twice: alone, and spooled as `collect` runs it (each answer's
 *     end waits for its record's group-commit fsync). Load comes from wrk (Debian's) when installed, else from this process.
 * (b) --streams concurrent SSE streams of --chunks events --gap-ms apart: per-chunk delay (client
 *     receipt − upstream write, µs wall clock on one machine), added over direct; chunks lost.
 * (c) KubeBurner ÷ nginx side by side: total and added latency ratios.
 *     The bare Node proxy (node:http + undici dispatch, nothing else) is the floor of what any Node
 *     proxy costs here.
 * (d) prefix-affinity routing vs round-robin on the simulator: 4 vLLM replicas with small KV caches,
 *     a workload of many shared system prompts; prefix-cache hit rate and TTFT p50/p99.
 * The upstream, the gateway and nginx each run in their own process; this process only generates load.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs, promisify } from 'node:util';
import { Pool } from 'undici';
import { renderTable } from '../src/cli/table.ts';
import { configSchema } from '../src/config/schema.ts';
import { Gateway } from '../src/gateway/gateway.ts';
import type { InferenceRequest } from '../src/model/request.ts';
import { Fleet } from '../src/sim/fleet.ts';
import { ReplicaServer } from '../src/sim/http-server.ts';
import { Pacer } from '../src/sim/pacer.ts';
import { freePort } from '../test/support/net.ts';

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '30' },
    streams: { type: 'string', default: '2000' },
    chunks: { type: 'string', default: '20' },
    'gap-ms': { type: 'string', default: '100' },
    'affinity-seconds': { type: 'string', default: '40' },
    'warmup-seconds': { type: 'string', default: '15' },
    rounds: { type: 'string', default: '5' },
    parts: { type: 'string', default: 'abcd' },
    load: { type: 'string' },
  },
});
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);
const STREAMS = Number(args.streams);
const CHUNKS = Number(args.chunks);
const GAP_MS = Number(args['gap-ms']);
const ROUNDS = Number(args.rounds);
const PARTS = args.parts;
const WRK = '/usr/bin/wrk';
/** The gateway as `collect` runs it: each answer ends once its record is fsynced in the spool. */
const SPOOLED = 'KubeBurner gateway, spooled (fsync before answer end)';
// (a)'s load generator: wrk (C, Debian's package) when installed. A Node generator costs ~2.5× wrk's
// CPU per request (73 vs 29 µs here) and, on a small machine, adds its own tail to every path.
const LOAD = args.load ?? (existsSync(WRK) ? 'wrk' : 'node');
if (LOAD !== 'wrk' && LOAD !== 'node') throw new Error(`--load must be wrk or node, not "${LOAD}"`);
const dir = mkdtempSync(join(tmpdir(), 'kb-bench-gateway-'));
const children: ChildProcess[] = [];
let lastPid = 0;
let nginxWorkerPid = 0;

/** CPU seconds (user + system) a process used so far, from /proc (USER_HZ = 100). */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}
const nowUs = () => (performance.timeOrigin + performance.now()) * 1000;
const f = (n: number, d = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  return (sorted[lo] as number) + ((sorted[Math.ceil(at)] as number) - (sorted[lo] as number)) * (at - lo);
}

/** Starts a process and waits for the first line it prints (its URL). */
async function start(command: string, argv: string[], env: Record<string, string> = {}): Promise<string> {
  const child = spawn(command, argv, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  children.push(child);
  lastPid = child.pid ?? 0;
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${command} exited with ${code}`)));
  });
  return line.trim();
}

async function startNginx(upstream: string): Promise<string | null> {
  if (!existsSync('/usr/sbin/nginx')) return null;
  const port = await freePort();
  const target = new URL(upstream);
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
events { worker_connections 16384; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream engine { server ${target.host}; keepalive 512; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://engine;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_request_buffering off;
    }
  }
}
`,
  );
  const child = spawn('/usr/sbin/nginx', ['-p', dir, '-c', conf, '-g', 'daemon off;'], { stdio: 'inherit' });
  children.push(child);
  for (let i = 0; i < 50; i++) {
    try {
      await fetch(`http://127.0.0.1:${port}/health`);
      const master = child.pid ?? 0;
      nginxWorkerPid = Number(
        readFileSync(`/proc/${master}/task/${master}/children`, 'utf8').trim().split(/\s+/)[0],
      );
      return `http://127.0.0.1:${port}`;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error('nginx did not start');
}

const BODY = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hello' }], max_tokens: 1 });

/** Open-loop load: `rate` requests a second for `seconds`; latency of each in µs. */
async function nonStreaming(target: string, rate: number, seconds: number): Promise<number[]> {
  const pool = new Pool(target, { connections: 256, pipelining: 1 });
  const latencies: number[] = [];
  const send = async () => {
    const t0 = performance.now();
    const response = await pool.request({
      path: '/v1/chat/completions',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: BODY,
    });
    await response.body.text();
    latencies.push((performance.now() - t0) * 1000);
  };
  const inflight: Promise<void>[] = [];
  // Requests evenly spaced (as wrk2 paces): at 1,000 req/s one per millisecond tick. Bursts of
  // several per tick would make each proxy serve them back to back and measure its queue, not its path.
  const tickMs = Math.max(1, Math.min(5, 1000 / rate));
  const started = performance.now();
  let sent = 0;
  while (performance.now() - started < seconds * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    for (; sent < due; sent++) inflight.push(send());
    await new Promise((r) => setTimeout(r, tickMs));
  }
  await Promise.all(inflight);
  await pool.close();
  return latencies.sort((a, b) => a - b);
}

/**
 * wrk's script for (a): one connection per wrk thread, each sending its next request a fixed
 * period after the last answer, threads staggered across the period, so requests arrive about
 * evenly spaced at close to `rate` (slightly under: each period also holds one latency).
 * wrk's delay() takes whole milliseconds. done() prints wrk's exact latency histogram (µs: count),
 * so rounds pool into one distribution as the Node generator's raw latencies do.
 */
function wrkScript(threads: number, periodMs: number): string {
  const file = join(dir, `paced-${threads}-${periodMs}.lua`);
  writeFileSync(
    file,
    `wrk.method = "POST"
wrk.body = ${JSON.stringify(BODY)}
wrk.headers["content-type"] = "application/json"
local next_id = 0
function setup(thread)
  thread:set("offset", math.floor(next_id * ${periodMs} / ${threads}))
  next_id = next_id + 1
end
local first = true
function delay()
  if first then first = false; return offset end
  return ${periodMs}
end
function done(summary, latency, requests)
  local e = summary.errors
  local buckets = {}
  for i = 1, #latency do
    local us, count = latency(i)
    buckets[#buckets + 1] = string.format("%d:%d", us, count)
  end
  io.write(string.format("KB %d %d %d\\n", summary.requests, e.status + e.connect + e.read + e.write + e.timeout, summary.duration))
  io.write("KBH ", table.concat(buckets, " "), "\\n")
end
`,
  );
  return file;
}

interface LoadResult {
  /** Latency of each answered request, µs. */
  latencies: number[];
  /** Refused, failed or timed-out requests (must be 0). */
  errors: number;
  seconds: number;
}

/** (a) through wrk: about `rate` req/s for `seconds` (whole seconds; wrk takes no fraction). */
async function wrkLoad(target: string, rate: number, seconds: number): Promise<LoadResult> {
  const threads = Math.max(1, Math.round(rate / 250));
  const periodMs = Math.max(1, Math.round((threads * 1000) / rate));
  const { stdout, stderr } = await promisify(execFile)(WRK, [
    `-t${threads}`,
    `-c${threads}`,
    `-d${Math.max(1, Math.round(seconds))}s`,
    '-s',
    wrkScript(threads, periodMs),
    `${target}/v1/chat/completions`,
  ]);
  if (stderr.trim()) throw new Error(`wrk: ${stderr.trim()}`); // a script error still exits 0
  const lines = stdout.split('\n');
  const summary = lines.find((l) => l.startsWith('KB '));
  const histogram = lines.find((l) => l.startsWith('KBH'));
  if (!summary || histogram === undefined) throw new Error(`wrk printed no summary:\n${stdout}${stderr}`);
  const [, errors, durationUs] = summary.slice(3).split(' ').map(Number) as [number, number, number];
  const latencies: number[] = [];
  for (const bucket of histogram.slice(4).split(' ').filter(Boolean)) {
    const [us, count] = bucket.split(':').map(Number) as [number, number];
    for (let i = 0; i < count; i++) latencies.push(us);
  }
  return { latencies, errors, seconds: durationUs / 1e6 };
}

async function nodeLoad(target: string, rate: number, seconds: number): Promise<LoadResult> {
  const started = performance.now();
  const latencies = await nonStreaming(target, rate, seconds);
  return { latencies, errors: 0, seconds: (performance.now() - started) / 1000 };
}

const load = (target: string, rate: number, seconds: number): Promise<LoadResult> =>
  LOAD === 'wrk' ? wrkLoad(target, rate, seconds) : nodeLoad(target, rate, seconds);

/** `count` concurrent streams; per-chunk delay (µs) and chunks received. */
async function streaming(target: string, count: number): Promise<{ delays: number[]; received: number }> {
  const pool = new Pool(target, { connections: count, pipelining: 1 });
  const delays: number[] = [];
  let received = 0;
  const one = async () => {
    const response = await pool.request({
      path: '/v1/chat/completions',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [], stream: true, chunks: CHUNKS }),
      bodyTimeout: 60_000,
    });
    let carry = '';
    for await (const chunk of response.body) {
      const at = nowUs();
      const text = carry + (chunk as Buffer).toString('utf8');
      const events = text.split('\n\n');
      carry = events.pop() ?? '';
      for (const event of events) {
        const match = /"t":(\d+)/.exec(event);
        if (!match) continue;
        received++;
        delays.push(at - Number(match[1]));
      }
    }
  };
  await Promise.all(Array.from({ length: count }, one));
  await pool.close();
  return { delays: delays.sort((a, b) => a - b), received };
}

async function affinityRun(weights: Record<string, number>, seconds: number) {
  const fleet = new Fleet({
    seed: 11,
    startUs: Date.now() * 1000,
    replicas: [0, 1, 2, 3].map((i) => ({
      replica: `vllm-${i}`,
      cluster: 'c',
      namespace: 'n',
      node: `node-${i}`,
      model: 'llama-3-8b',
      engine: 'vllm' as const,
      gpuType: 'H100' as const,
      tensorParallel: 1,
      // A small KV cache (20k tokens), so which replica holds which prefix matters.
      overrides: { kvBlocks: 1250 },
    })),
    workload: { tenants: [], diurnalAmplitude: 0, dayUs: 86_400e6 },
  });
  const records: InferenceRequest[] = [];
  fleet.onRecord(({ request }) => records.push(request));
  const servers = fleet.replicas.map((r) => new ReplicaServer(fleet, r));
  for (const s of servers) await s.listen();
  const gateway = new Gateway({
    config: configSchema.parse({
      gateway: {
        upstreams: servers.map((s, i) => ({
          name: `vllm-${i}`,
          url: s.url,
          models: ['meta-llama/Meta-Llama-3-8B-Instruct'],
        })),
        routing: { weights },
        health: { interval: '1h' },
      },
    }).gateway,
  });
  const url = await gateway.listen(0, '127.0.0.1');
  const pacer = new Pacer(fleet, 1);
  pacer.start();
  // 48 system prompts of ~1,500 tokens (the fleet's KV holds ~80k tokens: about a third of them).
  const systems = Array.from({ length: 48 }, (_, i) =>
    `You are assistant #${i} of ACME. `.repeat(200).slice(0, 6000),
  );
  const pool = new Pool(url, { connections: 128 });
  const started = performance.now();
  const inflight: Promise<unknown>[] = [];
  let sent = 0;
  let random = 7;
  const next = () => (random = (random * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  while (performance.now() - started < seconds * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * 12);
    for (; sent < due; sent++) {
      // Zipf-like popularity: a few prompts are hot, many are warm.
      const family = Math.min(47, Math.floor(48 * next() ** 2));
      inflight.push(
        pool
          .request({
            path: '/v1/chat/completions',
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              model: 'meta-llama/Meta-Llama-3-8B-Instruct',
              messages: [
                { role: 'system', content: systems[family] },
                { role: 'user', content: `question ${sent}: ${'please help '.repeat(20)}` },
              ],
              max_tokens: 32,
            }),
          })
          .then((r) => r.body.text()),
      );
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  await Promise.all(inflight);
  pacer.stop();
  await pool.close();
  await gateway.close();
  for (const s of servers) await s.close();
  const measured = records.slice(Math.floor(records.length / 4)); // after warm-up
  const prompt = measured.reduce((s, r) => s + r.promptTokens, 0);
  const cached = measured.reduce((s, r) => s + r.cachedPromptTokens, 0);
  const ttft = measured.map((r) => r.ttftUs ?? 0).sort((a, b) => a - b);
  return {
    requests: measured.length,
    hitRate: cached / prompt,
    p50: quantile(ttft, 0.5),
    p99: quantile(ttft, 0.99),
  };
}

async function main(): Promise<void> {
  const upstream = await start(process.execPath, [
    '--import',
    'tsx',
    'bench/support/minimal-upstream.ts',
    String(GAP_MS),
  ]);
  const gatewayUrl = await start(process.execPath, ['--import', 'tsx', 'bench/support/gateway-process.ts'], {
    KB_GATEWAY_CONFIG: JSON.stringify({
      upstreams: [{ name: 'u', url: upstream, models: ['m'] }],
      health: { interval: '1h' },
    }),
  });
  const gatewayPid = lastPid;
  const spooledUrl = await start(process.execPath, ['--import', 'tsx', 'bench/support/gateway-process.ts'], {
    KB_GATEWAY_CONFIG: JSON.stringify({
      upstreams: [{ name: 'u', url: upstream, models: ['m'] }],
      health: { interval: '1h' },
    }),
    KB_SPOOL_DIR: join(dir, 'spool'),
  });
  const spooledPid = lastPid;
  const bare = await start(process.execPath, ['--import', 'tsx', 'bench/support/bare-proxy.ts', upstream]);
  const barePid = lastPid;
  const nginx = await startNginx(upstream);
  const paths: [string, string | null][] = [
    ['direct', upstream],
    ['KubeBurner gateway', gatewayUrl],
    [SPOOLED, spooledUrl],
    ['bare Node proxy (floor)', bare],
    ['nginx 1.22 (1 worker)', nginx],
  ];

  // Warm-up at the measured rate, not counted: a Node proxy costs ~4× its steady CPU per request over
  // its first seconds at 1,000 req/s (V8 compiles the hot path in tiers) and settles after ~12 s.
  // Flat-out load does not warm it for paced load: the first seconds after it cost ~1.6× again.
  const live = paths.filter((p): p is [string, string] => p[1] !== null);
  const warmup = Number(args['warmup-seconds']);
  for (const [, target] of live) await load(target, RATE, warmup);

  // Rounds in rotating order, so drift on a shared machine (turbo, other processes) hits every path alike.
  const a: Record<string, number[]> = {};
  const elapsed: Record<string, number> = {};
  let errors = 0;
  const proxyPid: Record<string, number> = {
    'KubeBurner gateway': gatewayPid,
    [SPOOLED]: spooledPid,
    'bare Node proxy (floor)': barePid,
    'nginx 1.22 (1 worker)': nginxWorkerPid,
  };
  const cpu: Record<string, number> = {};
  for (let round = 0; round < ROUNDS; round++)
    for (let k = 0; k < live.length; k++) {
      const [name, target] = live[(round + k) % live.length] as [string, string];
      const pid = proxyPid[name];
      const before = pid ? cpuSeconds(pid) : NaN;
      const result = await load(target, RATE, SECONDS / ROUNDS);
      errors += result.errors;
      (a[name] ??= []).push(...result.latencies);
      elapsed[name] = (elapsed[name] ?? 0) + result.seconds;
      if (pid) cpu[name] = (cpu[name] ?? 0) + cpuSeconds(pid) - before;
    }
  for (const l of Object.values(a)) l.sort((x, y) => x - y);
  const direct = a.direct as number[];
  const rowsA = paths
    .filter(([name]) => a[name])
    .map(([name]) => {
      const l = a[name] as number[];
      return [
        name,
        f(l.length),
        f(l.length / (elapsed[name] as number)),
        f(quantile(l, 0.5) / 1000, 3),
        f(quantile(l, 0.99) / 1000, 3),
        name === 'direct' ? '—' : f((quantile(l, 0.5) - quantile(direct, 0.5)) / 1000, 3),
        name === 'direct' ? '—' : f((quantile(l, 0.99) - quantile(direct, 0.99)) / 1000, 3),
        cpu[name] === undefined ? '—' : f(((cpu[name] as number) / l.length) * 1e6, 0),
      ];
    });
  console.log(
    `\n(a) non-streaming at ${f(RATE)} req/s, ${SECONDS} s per path in ${ROUNDS} rounds after ${warmup} s of warm-up each; ` +
      (LOAD === 'wrk'
        ? 'load from wrk, requests paced evenly (each connection waits a fixed period after its answer)'
        : 'load from this Node process, open loop, requests evenly spaced'),
  );
  if (errors > 0) console.log(`${f(errors)} requests failed`);
  console.log(
    renderTable(
      [
        'path',
        'requests',
        'req/s',
        'p50 ms',
        'p99 ms',
        'added p50 ms',
        'added p99 ms',
        'proxy CPU µs/request',
      ],
      rowsA,
    ),
  );

  if (PARTS.includes('b')) {
    const b: Record<string, { delays: number[]; received: number }> = {};
    for (let round = 0; round < ROUNDS; round++)
      for (let k = 0; k < live.length; k++) {
        const [name, target] = live[(round + k) % live.length] as [string, string];
        const r = await streaming(target, STREAMS);
        const into = (b[name] ??= { delays: [], received: 0 });
        into.delays.push(...r.delays);
        into.received += r.received;
      }
    for (const r of Object.values(b)) r.delays.sort((x, y) => x - y);
    const directB = b.direct as { delays: number[] };
    const expected = STREAMS * CHUNKS * ROUNDS;
    console.log(
      `\n(b) ${f(STREAMS)} concurrent streams × ${CHUNKS} chunks, ${GAP_MS} ms apart, ${ROUNDS} rounds`,
    );
    console.log(
      renderTable(
        ['path', 'chunks received', 'lost', 'delay p50 ms', 'delay p99 ms', 'added p50 ms', 'added p99 ms'],
        paths
          .filter(([name]) => b[name])
          .map(([name]) => {
            const r = b[name] as { delays: number[]; received: number };
            return [
              name,
              f(r.received),
              f(expected - r.received),
              f(quantile(r.delays, 0.5) / 1000, 3),
              f(quantile(r.delays, 0.99) / 1000, 3),
              name === 'direct'
                ? '—'
                : f((quantile(r.delays, 0.5) - quantile(directB.delays, 0.5)) / 1000, 3),
              name === 'direct'
                ? '—'
                : f((quantile(r.delays, 0.99) - quantile(directB.delays, 0.99)) / 1000, 3),
            ];
          }),
      ),
    );

    if (nginx) {
      const NG = 'nginx 1.22 (1 worker)';
      const KB = 'KubeBurner gateway';
      // Added latency below 50 µs is inside the noise of this measurement: no meaningful ratio.
      const ratio = (kb: number[], ng: number[], base: number[], q: number) => {
        const ngAdded = quantile(ng, q) - quantile(base, q);
        const kbAdded = quantile(kb, q) - quantile(base, q);
        if (kbAdded < 50) return `— (KubeBurner adds ${f(kbAdded / 1000, 3)} ms: none measurable)`;
        if (ngAdded < 50) return `— (nginx adds ${f(ngAdded / 1000, 3)} ms: none measurable)`;
        return f(kbAdded / ngAdded, 2);
      };
      const kbA = a[KB] as number[];
      const ngA = a[NG] as number[];
      const kbB = (b[KB] as { delays: number[] }).delays;
      const ngB = (b[NG] as { delays: number[] }).delays;
      console.log('\n(c) KubeBurner ÷ nginx (goal: within 2×)');
      console.log(
        renderTable(
          ['measure', 'total latency ratio', 'added latency ratio'],
          [
            [
              'non-streaming p50',
              f(quantile(kbA, 0.5) / quantile(ngA, 0.5), 2),
              ratio(kbA, ngA, direct, 0.5),
            ],
            [
              'non-streaming p99',
              f(quantile(kbA, 0.99) / quantile(ngA, 0.99), 2),
              ratio(kbA, ngA, direct, 0.99),
            ],
            [
              'per-chunk delay p50',
              f(quantile(kbB, 0.5) / quantile(ngB, 0.5), 2),
              ratio(kbB, ngB, directB.delays, 0.5),
            ],
            [
              'per-chunk delay p99',
              f(quantile(kbB, 0.99) / quantile(ngB, 0.99), 2),
              ratio(kbB, ngB, directB.delays, 0.99),
            ],
          ],
        ),
      );
    } else console.log('\n(c) nginx is not installed (apt-get install nginx-light): no baseline');
  }

  if (!PARTS.includes('d')) return;
  const seconds = Number(args['affinity-seconds']);
  const roundRobin = await affinityRun(
    { least_outstanding_tokens: 0, queue_depth: 0, kv_cache: 0, prefix_affinity: 0, session_affinity: 0 },
    seconds,
  );
  const affinity = await affinityRun(
    { least_outstanding_tokens: 1, queue_depth: 0, kv_cache: 0, prefix_affinity: 2, session_affinity: 0 },
    seconds,
  );
  console.log(
    `\n(d) prefix affinity vs round-robin: 4 vLLM 8B replicas (20k-token KV each), 48 shared system prompts, 12 req/s for ${seconds} s`,
  );
  console.log(
    renderTable(
      ['routing', 'requests', 'prefix-cache hit rate', 'TTFT p50 ms', 'TTFT p99 ms'],
      [
        ['round-robin', roundRobin, 1],
        ['prefix affinity + least tokens', affinity, 1],
      ].map(([name, r]) => {
        const x = r as Awaited<ReturnType<typeof affinityRun>>;
        return [
          name as string,
          f(x.requests),
          `${f(x.hitRate * 100, 1)} %`,
          f(x.p50 / 1000, 1),
          f(x.p99 / 1000, 1),
        ];
      }),
    ),
  );
  console.log(
    `gain: hit rate ${f(roundRobin.hitRate * 100, 1)} % → ${f(affinity.hitRate * 100, 1)} %, ` +
      `TTFT p50 ${f(roundRobin.p50 / 1000, 1)} → ${f(affinity.p50 / 1000, 1)} ms (${f(roundRobin.p50 / affinity.p50, 2)}× lower), ` +
      `p99 ${f(roundRobin.p99 / 1000, 1)} → ${f(affinity.p99 / 1000, 1)} ms`,
  );
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const child of children) child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });
