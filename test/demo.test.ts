import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { parseExposition } from '../src/collect/scrape/exposition.ts';
import { freePort } from './support/net.ts';

describe('kubeburner demo (the main job)', () => {
  it('runs a simulated fleet, stores its requests and serves them over the API, then exits cleanly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kb-demo-'));
    const configPath = join(dir, 'kubeburner.yaml');
    writeFileSync(configPath, `data_dir: ${dir}\nlog:\n  level: warn\n`);
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/main.ts',
        '--config',
        configPath,
        'demo',
        '--speed',
        '30',
        '--duration',
        // Long enough that the checks made while it runs finish before it ends, on a busy machine too.
        '480s',
        '--seed',
        '7',
        '--port',
        String(port),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const lines: string[] = [];
    const api = `http://127.0.0.1:${port}`;
    let checked = false;
    let statusLines = 0;
    let pipelineChecked = false;
    for await (const line of createInterface({ input: child.stdout })) {
      lines.push(line);
      if (line.startsWith('t+') && ++statusLines === 3) {
        // The real collection path: every engine and DCGM exporter scraped, traces received.
        const collector = (await (await fetch(`${api}/api/collector`)).json()) as {
          targets: { up: boolean; engine: string }[];
          otlp: { acceptedRequests: number; callers: { joined: number } };
        };
        assert.equal(collector.targets.length, 18);
        assert.ok(
          collector.targets.every((t) => t.up),
          JSON.stringify(collector.targets.filter((t) => !t.up)),
        );
        assert.ok(collector.otlp.acceptedRequests > 0, 'vLLM and SGLang request traces arrive over OTLP');
        assert.ok(collector.otlp.callers.joined > 0, 'the apps’ client spans tell engines who called');
        const byTeam = (await (
          await fetch(`${api}/api/chargeback?from=1h&by=team&granularity=total`)
        ).json()) as { rows: { kind: string; group: { team: string }; requests: number }[] };
        const teams = byTeam.rows.filter((r) => r.kind === 'usage');
        const unknown = teams.find((r) => r.group.team === 'unknown')?.requests ?? 0;
        const total = teams.reduce((sum, r) => sum + r.requests, 0);
        assert.ok(unknown <= total * 0.02, `${unknown} of ${total} requests without a team`);
        assert.deepEqual(
          teams
            .map((r) => r.group.team)
            .filter((t) => t !== 'unknown')
            .sort(),
          ['research', 'search', 'support'],
        );
        const byReplica = (await (
          await fetch(`${api}/api/percentiles?by=replica&from=1h&to=now`)
        ).json()) as { rows: { group: { replica: string } }[] };
        const replicas = byReplica.rows.map((r) => r.group.replica);
        assert.ok(
          replicas.includes('sglang-qwen2-5-32b-0') && replicas.includes('vllm-llama-3-70b-0'),
          replicas.join(','),
        );
        const exposition = parseExposition(await (await fetch(`${api}/metrics`)).text());
        assert.deepEqual(exposition.errors, []);
        const names = exposition.families.map((f) => f.name);
        for (const name of [
          'kubeburner_llm_requests_waiting',
          'kubeburner_llm_kv_cache_usage',
          'kubeburner_request_ttft_seconds',
          'kubeburner_gpu_utilization',
        ]) {
          assert.ok(names.includes(name), `/metrics has ${name}`);
        }
        const typical = (await (
          await fetch(`${api}/api/replicas/trtllm-mixtral-8x7b-0/typical-request?from=1h&to=now`)
        ).json()) as {
          request: { model: string; engine: string; e2eUs: number };
          spans: { kind: string; estimated: boolean; durationUs: number }[];
        };
        assert.equal(
          typical.request.model,
          'mixtral-8x7b',
          'scraped series under the model alias, as requests are',
        );
        assert.equal(typical.request.engine, 'trtllm');
        assert.ok(
          typical.spans.length >= 3 && typical.spans.every((s) => s.estimated),
          'trace-less engine: estimated phases from histograms',
        );
        pipelineChecked = true;
      }
      if (!checked && line.startsWith('t+')) {
        checked = true;
        const stats = (await (await fetch(`${api}/api/stats`)).json()) as {
          requests: number;
          backend: string;
        };
        assert.equal(stats.backend, 'duckdb');
        assert.ok(stats.requests > 0, 'requests are stored while the demo runs');
        const { endpoints } = (await (await fetch(`${api}/api/sim/endpoints`)).json()) as {
          endpoints: { kind: string; engine: string; metricsUrl: string }[];
        };
        assert.equal(endpoints.filter((e) => e.kind === 'engine').length, 12);
        assert.deepEqual([...new Set(endpoints.map((e) => e.engine))].sort(), [
          'dcgm-exporter',
          'llamacpp',
          'sglang',
          'triton',
          'trtllm',
          'vllm',
        ]);
        for (const e of endpoints) {
          const parsed = parseExposition(await (await fetch(e.metricsUrl)).text());
          assert.deepEqual(parsed.errors, [], e.metricsUrl);
          assert.ok(parsed.families.length > 10);
        }
        const { requests } = (await (await fetch(`${api}/api/requests?from=1h&to=now&limit=5`)).json()) as {
          requests: { requestId: string; e2eUs: number }[];
        };
        assert.ok(requests.length > 0);
        const one = (await (await fetch(`${api}/api/requests/${requests[0]!.requestId}`)).json()) as {
          request: { e2eUs: number };
          spans: { parentSpanId: string | null; kind: string; durationUs: number }[];
          attribution: { e2eUs: number; parts: { share: number }[]; blame: string | null };
        };
        const topLevel = one.spans.filter((s) => s.kind !== 'preemption_wait');
        assert.equal(
          topLevel.reduce((sum, s) => sum + s.durationUs, 0),
          one.request.e2eUs,
          'the spans of a request add up to its latency',
        );
        assert.equal(one.attribution.e2eUs, one.request.e2eUs);
        assert.ok(Math.abs(one.attribution.parts.reduce((sum, p) => sum + p.share, 0) - 1) < 1e-9);
        assert.ok(one.attribution.blame !== null, 'the request’s time is attributed');
        const bad = await fetch(`${api}/api/requests?limit=0`);
        assert.equal(bad.status, 400);
      }
    }
    assert.equal(await exit, 0);
    assert.ok(checked, 'the demo printed a status line');
    assert.ok(pipelineChecked, 'the collection pipeline was checked');
    const done = lines.find((l) => l.startsWith('done:'));
    assert.match(
      done ?? '',
      /done: \d+ requests simulated, \d+ stored \(\d+ from OTLP traces, \d+ from the simulator for engines without traces\), \d+ metric samples from 18\/18 scrape targets/,
    );
    assert.ok(
      lines.some((l) => l.includes('FAULT: queue_saturation@llama-3-70b')),
      'the scripted load spike shows in the status',
    );
  });
});
