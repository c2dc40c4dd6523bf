import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { parseExposition } from '../src/collect/scrape/exposition.ts';
import { configFile } from './support/config-file.ts';
import { freePort } from './support/net.ts';
import { ENGINE_FIXTURES } from './support/fixtures.ts';

/** The fixture's trace moved so that its last span ends half a second ago (the ledger bills the present). */
function endingNow(trace: string): string {
  const times = [...trace.matchAll(/"(?:start|end)TimeUnixNano": *"(\d+)"/g)].map((m) => BigInt(m[1]!));
  const shift = BigInt(Date.now() - 500) * 1_000_000n - times.reduce((a, b) => (a > b ? a : b));
  return trace.replace(
    /"((?:start|end)TimeUnixNano)": *"(\d+)"/g,
    (_m, key: string, ns: string) => `"${key}": "${BigInt(ns) + shift}"`,
  );
}

describe('kubeburner collect', () => {
  it('scrapes the configured targets, receives OTLP, serves /metrics and /api/collector, and stops on SIGINT', async () => {
    const fixture = readFileSync(`${ENGINE_FIXTURES}/vllm/vllm-v1-metrics-synthetic.prom`, 'utf8');
    const engine = createHttpServer((_req, res) => res.end(fixture));
    await new Promise<void>((resolve) => engine.listen(0, '127.0.0.1', resolve));
    const engineUrl = `http://127.0.0.1:${(engine.address() as { port: number }).port}/metrics`;
    const [apiPort, otlpPort, grpcPort] = [await freePort(), await freePort(), await freePort()];
    const { path } = configFile('kb-collect-', apiPort, [
      'collect:',
      '  cluster: us-east-1',
      `  otlp: { host: 127.0.0.1, port: ${otlpPort}, grpc_port: ${grpcPort} }`,
      // The fixture's gauge says 14 run, more than the test sends: hold 3 s for them, not 2 min.
      '  ledger: { settle: 1s, max_hold: 3s }',
      '  scrape:',
      '    targets:',
      `      - { url: '${engineUrl}', replica: vllm-qwen3-8b, gpu_type: H100, gpu_count: 1, interval_s: 0.5 }`,
    ]);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', '--config', path, 'collect'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
    // A failed assertion must not leave the collector running (the test would never end).
    const stop = () => child.exitCode === null && child.kill('SIGKILL');
    process.once('exit', stop);
    try {
      const [firstLine] = await new Promise<string[]>((resolve) =>
        createInterface({ input: child.stdout }).once('line', (l) => resolve([l])),
      );
      assert.match(
        firstLine ?? '',
        /collecting: 1 scrape targets, OTLP\/HTTP on http:\/\/127\.0\.0\.1:\d+\/v1\/traces, OTLP\/gRPC on 127\.0\.0\.1:\d+/,
      );
      // The configured gRPC port listens (the OTLP/gRPC path itself: otlp-grpc.test.ts).
      await new Promise<void>((resolve, reject) =>
        connect(grpcPort, '127.0.0.1', function (this: Socket) {
          this.end();
          resolve();
        }).once('error', reject),
      );
      await new Promise((resolve) => setTimeout(resolve, 700)); // a scrape first: it gives the batch size
      const otlp = await fetch(`http://127.0.0.1:${otlpPort}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: endingNow(
          readFileSync(`${ENGINE_FIXTURES}/vllm/vllm-llm_request-trace-otlp-synthetic.json`, 'utf8'),
        ),
      });
      assert.equal(otlp.status, 200);
      // Priced once the scrapes around them settle: the next scrape, then the 3-s hold.
      await new Promise((resolve) => setTimeout(resolve, 5000));
      const status = (await (await fetch(`http://127.0.0.1:${apiPort}/api/collector`)).json()) as {
        targets: { up: boolean; engine: string; scrapes: number }[];
        otlp: { acceptedRequests: number };
      };
      assert.equal(status.targets[0]?.up, true);
      assert.equal(status.targets[0]?.engine, 'vllm');
      assert.ok((status.targets[0]?.scrapes ?? 0) >= 2);
      assert.equal(status.otlp.acceptedRequests, 2);
      const metrics = parseExposition(await (await fetch(`http://127.0.0.1:${apiPort}/metrics`)).text());
      const waiting = metrics.families.find((f) => f.name === 'kubeburner_llm_requests_waiting')?.samples[0];
      assert.equal(waiting?.value, 3);
      assert.equal(waiting?.labels.replica, 'vllm-qwen3-8b');
      const requests = (await (
        await fetch(`http://127.0.0.1:${apiPort}/api/requests?from=0&to=now&limit=10`)
      ).json()) as {
        requests: {
          requestId: string;
          replica: string;
          model: string;
          prefillUs: number;
          decodeUs: number;
          costUsd: number | null;
          attributes: Record<string, string>;
        }[];
      };
      assert.equal(requests.requests.length, 2);
      // Priced by the ledger: H100 on-demand default × (prefill + decode), a slot of the 14 the
      // engine said ran (the scraped fixture's gauge; its batch size is not configured).
      for (const r of requests.requests) {
        assert.equal(r.attributes['kb.cost'], 'ledger', JSON.stringify(r));
        assert.ok(
          Math.abs(r.costUsd! - (6.88 * (r.prefillUs + r.decodeUs)) / 3.6e9 / 14) < 1e-12,
          `${r.costUsd}`,
        );
      }
      child.kill('SIGINT');
      assert.equal(await exit, 0);
    } finally {
      stop();
      engine.close();
    }
  });
});
