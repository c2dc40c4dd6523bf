import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { DASHBOARD_ROWS, grafanaDashboard, grafanaDashboardFiles } from '../src/serve/grafana-dashboard.ts';
import { skipOutsideCi } from './support/ci.ts';
import { freePort } from './support/net.ts';

const PROMETHEUS = process.env.PROMETHEUS_PATH ?? '/usr/bin/prometheus';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A panel query as Grafana sends it with "All" clusters and models and a 15 s rate interval. */
const asGrafanaSends = (expr: string) =>
  expr.replaceAll('$__rate_interval', '15s').replaceAll('$cluster', '.*').replaceAll('$model', '.*');

describe('Grafana dashboard', () => {
  const children: ChildProcess[] = [];
  after(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('is committed as generated (run npm run deploy:gen after changing it)', () => {
    for (const [path, text] of Object.entries(grafanaDashboardFiles()))
      assert.equal(readFileSync(path, 'utf8'), text, `${path} is stale`);
    const dashboard = grafanaDashboard() as { panels: { id: number; gridPos: { x: number; w: number } }[] };
    assert.equal(
      new Set(dashboard.panels.map((p) => p.id)).size,
      dashboard.panels.length,
      'unique panel ids',
    );
    assert.ok(
      dashboard.panels.every((p) => p.gridPos.x + p.gridPos.w <= 24),
      'panels fit the 24-column grid',
    );
  });

  it(
    'answers every panel from a real Prometheus scraping the demo and its gateway',
    { skip: existsSync(PROMETHEUS) ? false : skipOutsideCi(`${PROMETHEUS} not installed`), timeout: 180_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'kb-grafana-'));
      writeFileSync(join(dir, 'kubeburner.yaml'), `data_dir: ${dir}\nlog: { level: warn }\n`);
      const [apiPort, gatewayPort, promPort] = [await freePort(), await freePort(), await freePort()];
      const demo = spawn(
        process.execPath,
        [
          ...['--import', 'tsx', 'src/cli/main.ts', '--config', join(dir, 'kubeburner.yaml'), 'demo'],
          ...['--speed', '5', '--seed', '11', '--quiet', '--port', String(apiPort)],
          ...['--gateway-port', String(gatewayPort)],
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      children.push(demo);
      await new Promise<void>((resolve, reject) => {
        demo.once('exit', (code) => reject(new Error(`demo exited early (${code})`)));
        createInterface({ input: demo.stdout as NodeJS.ReadableStream }).on('line', (line) => {
          if (line.startsWith('Gateway (OpenAI API')) resolve();
        });
      });

      // Traffic through the gateway too, so its series move. Half of it streams: a whole answer from
      // an engine that reports no timing has no first-token time to observe.
      let sending = true;
      let sent = 0;
      const traffic = (async () => {
        while (sending) {
          const res = await fetch(`http://127.0.0.1:${gatewayPort}/v1/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              model: 'meta-llama/Meta-Llama-3-8B-Instruct',
              messages: [{ role: 'user', content: 'How do I reset my password?' }],
              max_tokens: 16,
              stream: sent++ % 2 === 0,
            }),
          }).catch(() => null);
          await res?.arrayBuffer();
          await sleep(100);
        }
      })();

      writeFileSync(
        join(dir, 'prometheus.yml'),
        [
          'global: { scrape_interval: 1s, scrape_timeout: 900ms }',
          'scrape_configs:',
          `  - { job_name: kubeburner, static_configs: [{ targets: ['127.0.0.1:${apiPort}'] }] }`,
          `  - { job_name: kubeburner-gateway, static_configs: [{ targets: ['127.0.0.1:${gatewayPort}'] }] }`,
          '',
        ].join('\n'),
      );
      const prometheus = spawn(
        PROMETHEUS,
        [
          `--config.file=${join(dir, 'prometheus.yml')}`,
          `--storage.tsdb.path=${join(dir, 'tsdb')}`,
          `--web.listen-address=127.0.0.1:${promPort}`,
        ],
        { stdio: 'ignore' },
      );
      children.push(prometheus);
      const query = async (expr: string) => {
        const url = `http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(expr)}`;
        const body = (await (await fetch(url)).json()) as {
          status: string;
          error?: string;
          data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
        };
        assert.equal(body.status, 'success', `${expr}: ${body.error}`);
        return body.data?.result ?? [];
      };

      // Until both jobs have been scraped long enough for 15 s rates.
      const deadline = Date.now() + 90_000;
      for (;;) {
        const ready = await query(
          'sum(rate(kubeburner_requests_total[15s])) > 0 and on() sum(rate(kubeburner_gateway_requests_total[15s])) > 0',
        ).catch(() => []);
        if (ready.length > 0) break;
        assert.ok(Date.now() < deadline, 'Prometheus never saw both jobs move');
        await sleep(1000);
      }

      const names = new Set(
        (
          (await (await fetch(`http://127.0.0.1:${promPort}/api/v1/label/__name__/values`)).json()) as {
            data: string[];
          }
        ).data,
      );
      const problems: string[] = [];
      for (const row of DASHBOARD_ROWS)
        for (const panel of row.panels)
          for (const target of panel.targets) {
            for (const name of target.expr.match(/kubeburner_[a-z_]+/g) ?? [])
              if (!names.has(name))
                problems.push(`${panel.title}: ${name} is not a series KubeBurner exports`);
            const result = await query(asGrafanaSends(target.expr));
            const finite = result.filter((r) => Number.isFinite(Number(r.value[1])));
            if (finite.length === 0) problems.push(`${panel.title}: "${target.legend}" has no data`);
          }
      for (const label of ['cluster', 'model']) {
        const url = `http://127.0.0.1:${promPort}/api/v1/label/${label}/values?match[]=kubeburner_requests_total`;
        const values = ((await (await fetch(url)).json()) as { data: string[] }).data;
        if (values.length === 0) problems.push(`variable ${label} has no values`);
      }
      sending = false;
      await traffic;
      assert.deepEqual(problems, []);
    },
  );
});
