import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { DuckDbStore } from '../src/store/duckdb/duckdb-store.ts';
import { configFile } from './support/config-file.ts';
import { nanosFromNow, vllmExport } from './support/otlp-exports.ts';
import { freePort } from './support/net.ts';
import { seededRandom } from './support/random.ts';

/**
 * kill -9 during ingest: every OTLP export `kubeburner collect` answered 200 is in the store after
 * a restart, and none twice — with the calling-app join on, so records are also waiting in memory
 * for their caller's span when the process dies.
 */
const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/** A calling app's GenAI span: once one is seen, engine records wait (in memory) for theirs. */
const CALLER = JSON.stringify({
  resourceSpans: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'search-web' } }] },
      scopeSpans: [
        {
          spans: [
            {
              traceId: hex(1, 32),
              spanId: hex(1, 16),
              name: 'chat Qwen/Qwen3-8B',
              kind: 3,
              startTimeUnixNano: nanosFromNow(),
              endTimeUnixNano: nanosFromNow(1000),
              attributes: [{ key: 'gen_ai.operation.name', value: { stringValue: 'chat' } }],
            },
          ],
        },
      ],
    },
  ],
});

async function startCollect(config: string, command = 'collect'): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--config', config, command], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  process.once('exit', () => child.exitCode === null && child.kill('SIGKILL'));
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${command} exited (${code})`)));
    createInterface({ input: child.stdout! }).once('line', () => resolve());
  });
  return child;
}

/** An engine for the gateway: answers at once, a whole answer or (when asked) a stream. */
async function startEngine(): Promise<{ url: string; close: () => void }> {
  const engine = createServer((req, res) => {
    const body: Buffer[] = [];
    req.on('data', (chunk: Buffer) => body.push(chunk));
    req.on('end', () => {
      const usage = { prompt_tokens: 5, completion_tokens: 2 };
      if ((JSON.parse(Buffer.concat(body).toString()) as { stream?: boolean }).stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'hi' } }] })}\n\n`);
        res.write(`data: ${JSON.stringify({ choices: [], usage })}\n\n`);
        return res.end('data: [DONE]\n\n');
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ choices: [{ index: 0, message: { content: 'hi' } }], usage }));
    });
  });
  await new Promise<void>((resolve) => engine.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(engine.address() as AddressInfo).port}`, close: () => engine.close() };
}

/** Sends requests through the gateway until `sending()` is false; returns the ids the client got whole. */
async function gatewayClient(port: number, prefix: string, sending: () => boolean): Promise<string[]> {
  const served: string[] = [];
  for (let n = 0; sending(); n++) {
    const id = `${prefix}-${n}`;
    const response = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': id },
      body: JSON.stringify({
        model: 'm',
        messages: [{ role: 'user', content: 'hi' }],
        max_tokens: 2,
        stream: n % 2 === 1,
      }),
    }).catch(() => null);
    // Served: the client read the whole answer (a kill mid-answer is no answer).
    const whole = response?.status === 200 ? await response.text().catch(() => null) : null;
    if (whole !== null && (n % 2 === 0 || whole.includes('[DONE]'))) served.push(id);
  }
  return served;
}

/** A clean start replays what the last kill left, then a clean stop; returns the stored rows. */
async function replayedRows(config: string, dir: string, command: string, idPrefix: string) {
  const last = await startCollect(config, command);
  const exited = new Promise((resolve) => last.once('exit', resolve));
  last.kill('SIGINT');
  await exited;
  const store = await DuckDbStore.open({ path: join(dir, 'kubeburner.duckdb') });
  try {
    const range = { fromUs: 0, toUs: Date.now() * 1000 + 86_400e6 };
    return await store.searchRequests({ range, idPrefix, limit: 100_000 });
  } finally {
    await store.close();
  }
}

describe('kill -9 during ingest', { timeout: 300_000 }, () => {
  it('loses no acknowledged OTLP request and no gateway answer the client got whole, and stores none twice, over 5 kills', async () => {
    // The gateway's records wait in memory for an engine trace that never comes.
    const engine = await startEngine();
    const engineUrl = engine.url;
    const gatewayPort = await freePort();
    const seed = Number(process.env.KUBEBURNER_TEST_SEED ?? Date.now() % 1_000_000);
    console.log(`kill -9 moments: seed ${seed} (KUBEBURNER_TEST_SEED replays it)`);
    const random = seededRandom(seed);
    const [apiPort, otlpPort] = [await freePort(), await freePort()];
    const { dir, path } = configFile('kb-kill-', apiPort, [
      `collect: { otlp: { host: 127.0.0.1, port: ${otlpPort}, grpc_port: null } }`,
      `gateway: { port: ${gatewayPort}, upstreams: [{ name: engine, url: '${engineUrl}', models: [m] }], health: { interval: 1h } }`,
    ]);
    const acknowledged: string[] = [];
    /** Answered 200 to their client: the gateway's record of each must be stored. */
    const servedByGateway: string[] = [];
    for (let run = 0; run < 5; run++) {
      const collect = await startCollect(path);
      const post = (body: string) =>
        fetch(`http://127.0.0.1:${otlpPort}/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
      assert.equal((await post(CALLER)).status, 200);
      let sending = true;
      const senders = Array.from({ length: 4 }, async (_, sender) => {
        for (let n = 0; sending; n++) {
          const { body, ids } = vllmExport(`kill-${seed}-${run}-${sender}`, n);
          const response = await post(body).catch(() => null);
          if (response?.status === 200) acknowledged.push(...ids);
        }
      });
      const clients = Array.from({ length: 2 }, async (_, client) =>
        servedByGateway.push(
          ...(await gatewayClient(gatewayPort, `kill-${seed}-${run}-gw${client}`, () => sending)),
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, 300 + random() * 2000));
      const killed = new Promise((resolve) => collect.once('exit', resolve));
      collect.kill('SIGKILL');
      sending = false;
      await Promise.all([...senders, ...clients]);
      await killed;
    }
    engine.close();
    const rows = await replayedRows(path, dir, 'collect', `kill-${seed}-`);
    const counts = new Map<string, number>();
    for (const r of rows) counts.set(r.requestId, (counts.get(r.requestId) ?? 0) + 1);
    const missing = [...acknowledged, ...servedByGateway].filter((id) => !counts.has(id));
    const twice = [...counts].filter(([, c]) => c > 1).map(([id]) => id);
    console.log(
      `kill -9: ${acknowledged.length} OTLP requests acknowledged, ${servedByGateway.length} served by the gateway, ${rows.length} stored, ${missing.length} missing, ${twice.length} twice`,
    );
    assert.ok(acknowledged.length > 100, `only ${acknowledged.length} acknowledged`);
    assert.ok(servedByGateway.length > 20, `only ${servedByGateway.length} served`);
    // The gateway ends an answer only once its record is fsynced in the spool.
    assert.deepEqual(missing, [], 'every OTLP request answered 200 and every gateway answer is stored');
    assert.deepEqual(twice, []);
  });

  it('loses no answer `kubeburner gateway` (alone, its own spool) served whole, streamed or not, over 3 kills', async () => {
    const engine = await startEngine();
    const gatewayPort = await freePort();
    const seed = Number(process.env.KUBEBURNER_TEST_SEED ?? Date.now() % 1_000_000);
    console.log(`gateway kill -9 moments: seed ${seed} (KUBEBURNER_TEST_SEED replays it)`);
    const random = seededRandom(seed);
    const { dir, path } = configFile('kb-kill-gw-', await freePort(), [
      `gateway: { port: ${gatewayPort}, upstreams: [{ name: engine, url: '${engine.url}', models: [m] }], health: { interval: 1h } }`,
    ]);
    const served: string[] = [];
    for (let run = 0; run < 3; run++) {
      const gateway = await startCollect(path, 'gateway');
      let sending = true;
      const clients = Array.from({ length: 3 }, async (_, client) =>
        served.push(...(await gatewayClient(gatewayPort, `gwkill-${seed}-${run}-${client}`, () => sending))),
      );
      await new Promise((resolve) => setTimeout(resolve, 300 + random() * 1500));
      const killed = new Promise((resolve) => gateway.once('exit', resolve));
      gateway.kill('SIGKILL');
      sending = false;
      await Promise.all(clients);
      await killed;
    }
    engine.close();
    const rows = await replayedRows(path, dir, 'gateway', `gwkill-${seed}-`);
    const stored = new Set(rows.map((r) => r.requestId));
    const missing = served.filter((id) => !stored.has(id));
    console.log(
      `gateway kill -9: ${served.length} answers served whole, ${rows.length} stored, ${missing.length} missing`,
    );
    assert.ok(served.length > 20, `only ${served.length} served`);
    assert.deepEqual(missing, [], 'every answer a client got whole is stored');
    assert.equal(stored.size, rows.length, 'none stored twice');
  });
});
