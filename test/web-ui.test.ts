import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { hashApiKey } from '../src/gateway/tenants.ts';
import { ms, num, pct, usd } from '../src/web/format.ts';
import { browserMissing, launchChromium } from './support/browser.ts';
import { freePort } from './support/net.ts';

/**
 * The web UI in a real browser (Debian's chromium, driven by playwright-core) against the demo with
 * a fixed seed, paused after 8 simulated minutes so the numbers hold still: every page shows the
 * API's numbers, the flame graph's parts sum to the request's latency, the CSV downloads, a
 * recommendation is applied and rolled back by clicks, and a team-scoped token sees only its team.
 * Screenshots of every page go to artifacts/screenshots (DOCS_SCREENSHOTS=1 also refreshes docs/).
 */

const ADMIN = 'kb-test-admin';
const SUPPORT = 'kb-test-support-team';
const SHOTS = 'artifacts/screenshots';

/** The page's own globals, as seen from code passed to page.evaluate (this file has no DOM types). */
type BrowserGlobals = {
  localStorage: { setItem(key: string, value: string): void; removeItem(key: string): void };
};

describe('web UI in a real browser against the demo', { timeout: 240_000, skip: browserMissing() }, () => {
  let demo: ChildProcess;
  let browser: Browser;
  let page: Page;
  let base: string;
  let dir: string;

  const api = async <T>(path: string, tokenValue = ADMIN): Promise<T> => {
    const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${tokenValue}` } });
    assert.equal(res.status, 200, `${path}: ${await res.clone().text()}`);
    return (await res.json()) as T;
  };
  const text = async (testId: string) =>
    ((await page.getByTestId(testId).first().locator('.stat-value').textContent()) ?? '').trim();
  const shoot = async (name: string) => {
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
    if (process.env.DOCS_SCREENSHOTS === '1')
      copyFileSync(join(SHOTS, `${name}.png`), join('docs/screenshots', `${name}.png`));
  };
  const open = async (path: string) => {
    await page.goto(`${base}${path}${path.includes('?') ? '&' : '?'}live=0`);
    await page.waitForLoadState('networkidle');
  };

  before(async () => {
    assert.ok(
      existsSync('dist/web/index.html'),
      'the UI is built (npm run build:web; npm test does it first)',
    );
    mkdirSync(SHOTS, { recursive: true });
    mkdirSync('docs/screenshots', { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'kb-web-'));
    const config = join(dir, 'kubeburner.yaml');
    writeFileSync(
      config,
      [
        `data_dir: ${dir}`,
        'log:',
        '  level: warn',
        'server:',
        '  tokens:',
        `    - { name: platform, token_sha256: ${hashApiKey(ADMIN)} }`,
        `    - { name: support-team, token_sha256: ${hashApiKey(SUPPORT)}, teams: [support] }`,
        '',
      ].join('\n'),
    );
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    demo = spawn(
      process.execPath,
      [
        ...['--import', 'tsx', 'src/cli/main.ts', '--config', config, 'demo'],
        ...['--speed', '20', '--seed', '42', '--pause-after', '8m', '--port', String(port), '--quiet'],
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve, reject) => {
      demo.once('exit', (code) => reject(new Error(`demo exited early (${code})`)));
      const lines = createInterface({ input: demo.stdout as NodeJS.ReadableStream });
      lines.on('line', (line) => {
        if (line.startsWith('paused at')) resolve();
      });
    });
    browser = await launchChromium();
    const context = await browser.newContext({
      viewport: { width: 1440, height: 1000 },
      acceptDownloads: true,
    });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
  });

  after(async () => {
    await browser?.close();
    demo?.kill('SIGINT');
    await new Promise((resolve) => demo?.once('exit', resolve));
  });

  it('asks for an API token, and shows the fleet once given one', async () => {
    await open('/');
    await page.getByLabel('API token').fill(ADMIN);
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.getByTestId('ov-rps').waitFor();
    await page.waitForLoadState('networkidle');
    const overview = await api<{
      traffic: { requestsPerSecond: number; ttftP99Us: number };
      spend: { totalPerHourUsd: number };
      slos: { firing: string[] }[];
    }>('/api/overview?from=5m');
    assert.equal(await text('ov-rps'), num(overview.traffic.requestsPerSecond, 1));
    assert.equal(await text('ov-ttft'), ms(overview.traffic.ttftP99Us));
    assert.equal(await text('ov-spend'), `${usd(overview.spend.totalPerHourUsd, 2)}/h`);
    assert.ok(overview.traffic.requestsPerSecond > 1);
    assert.equal(await page.getByTestId('ov-slos').locator('tbody tr').count(), overview.slos.length);
    assert.equal(
      await page.getByTestId('ov-slos').locator('.badge.bad').count(),
      overview.slos.reduce((n, s) => n + s.firing.length, 0),
      'one badge per firing alert',
    );
    await shoot('overview');
  });

  it('lists the slowest requests and percentiles as the API does', async () => {
    await open('/requests?from=15m');
    await page.getByTestId('requests').waitFor();
    const { requests } = await api<{ requests: { requestId: string; e2eUs: number }[] }>(
      '/api/requests?from=15m&order_by=e2e_us&limit=50',
    );
    const shown = await page.getByTestId('req-e2e').allTextContents();
    assert.deepEqual(
      shown,
      requests.map((r) => ms(r.e2eUs)),
    );
    const { rows } = await api<{ rows: { values: Record<string, number> }[] }>(
      '/api/percentiles?from=15m&by=model',
    );
    assert.deepEqual(
      await page.getByTestId('ttft-p99').allTextContents(),
      rows.map((r) => ms(r.values.p99_ttft_us)),
    );
    await shoot('requests');
  });

  it('opens a request as a flame graph whose parts sum to its latency, with a root cause and a typical peer', async () => {
    await open('/requests?from=15m');
    const link = page.getByTestId('requests').locator('tbody tr a').first();
    const id = ((await link.textContent()) ?? '').trim();
    await link.click();
    await page.getByTestId('flame').waitFor();
    await page.waitForLoadState('networkidle');
    const detail = await api<{
      request: { requestId: string; e2eUs: number };
      spans: { durationUs: number }[];
      explanation: { label: string };
    }>(
      `/api/requests/${encodeURIComponent(decodeURIComponent(page.url().split('/requests/')[1]?.split('?')[0] ?? ''))}`,
    );
    assert.ok(detail.request.requestId.startsWith(id));
    const e2e = Number(await page.getByTestId('flame').getAttribute('data-e2e-us'));
    assert.equal(e2e, detail.request.e2eUs);
    const parts = await page
      .getByTestId('attr-part')
      .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-us'))));
    assert.ok(parts.length >= 2);
    assert.equal(
      parts.reduce((a, b) => a + b, 0),
      detail.request.e2eUs,
    );
    const spans = await page
      .getByTestId('span-row')
      .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-duration-us'))));
    assert.deepEqual(spans.sort(), detail.spans.map((s) => s.durationUs).sort());
    assert.match(
      (await page.getByTestId('root-cause').textContent()) ?? '',
      new RegExp(detail.explanation.label.slice(0, 20).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
    );
    assert.equal(await text('rq-e2e'), ms(detail.request.e2eUs));
    await page.getByTestId('compare').waitFor();
    await shoot('flame-graph');
  });

  it('explains a request that queued in the demo’s load spike as queue saturation first', async () => {
    const { requests } = await api<{ requests: { requestId: string; queueUs: number }[] }>(
      '/api/requests?from=15m&model=llama-3-70b&order_by=queue_us&limit=1',
    );
    const queued = requests[0];
    assert.ok(queued && queued.queueUs > 1e6, 'a 70B request waited over a second in the load spike');
    await open(`/requests/${encodeURIComponent(queued.requestId)}`);
    await page.getByTestId('flame').waitFor();
    await page.waitForLoadState('networkidle');
    const label = (await page.getByTestId('root-cause').textContent()) ?? '';
    assert.match(label, /during queue saturation: .*arrival rate/);
    assert.match(label, /this request: /);
    await shoot('request-in-incident');
  });

  it('shows each SLO’s budget and burn, with the alert history', async () => {
    const { slos } = await api<{
      slos: { slo: string; budgetRemaining: number; alerts: { state: string }[] }[];
    }>('/api/slo');
    const paged = slos.find((s) => s.alerts.some((a) => a.state === 'firing')) ?? slos[0];
    assert.ok(paged);
    await open(`/slos/${encodeURIComponent(paged.slo)}?from=15m`);
    await page.getByTestId('slo-list').waitFor();
    assert.equal(await page.getByTestId('slo-list').locator('tbody tr').count(), slos.length);
    assert.deepEqual(
      (await page.getByTestId('slo-budget-cell').allTextContents()).map((t) => t.trim()),
      slos.map((s) => pct(s.budgetRemaining, 1)),
    );
    await page.getByTestId('slo-windows').waitFor();
    if (paged.alerts.some((a) => a.state === 'firing')) await page.getByTestId('slo-alerts').waitFor();
    await shoot('slo');
  });

  it('shows a latency SLO’s p50/p90/p99 per band as the API does', async () => {
    const { slos } = await api<{ slos: { slo: string; bands: unknown[] }[] }>('/api/slo');
    const latency = slos.find((s) => s.bands.length > 1);
    assert.ok(latency, 'the demo has a banded latency SLO');
    const detail = await api<{ bandLatency: { band: string; thresholdUs: number; p99Us: number | null }[] }>(
      `/api/slo/${encodeURIComponent(latency.slo)}?from=15m`,
    );
    assert.ok(
      detail.bandLatency.some((b) => b.p99Us !== null),
      'some band has requests',
    );
    await open(`/slos/${encodeURIComponent(latency.slo)}?from=15m`);
    const rows = page.getByTestId('slo-band-latency').locator('tbody tr');
    await rows.first().waitFor();
    assert.equal(await rows.count(), detail.bandLatency.length);
    const cells = await Promise.all(
      detail.bandLatency.map(async (_, i) =>
        (await rows.nth(i).locator('td').allTextContents()).map((t) => t.trim()),
      ),
    );
    assert.deepEqual(
      cells.map((c) => [c[1], c[5]]),
      detail.bandLatency.map((b) => [ms(b.thresholdUs), ms(b.p99Us)]),
    );
  });

  it('charges back by team as the API does, and downloads the CSV', async () => {
    await open('/cost?from=1h');
    await page.getByTestId('chargeback').waitFor();
    const report = await api<{ totals: { costUsd: number }; rows: { kind: string; costUsd: number }[] }>(
      '/api/chargeback?from=1h&by=team&granularity=total',
    );
    assert.equal(await text('cost-usage'), usd(report.totals.costUsd, 2));
    assert.deepEqual(
      await page.getByTestId('chargeback-cost').allTextContents(),
      report.rows
        .filter((r) => r.kind === 'usage')
        .sort((a, b) => b.costUsd - a.costUsd)
        .map((r) => usd(r.costUsd, 4)),
    );
    await page.getByTestId('latency-cost-chart').locator('svg').first().waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('csv-download').click(),
    ]);
    assert.equal(download.suggestedFilename(), 'kubeburner-chargeback.csv');
    const path = join(dir, 'chargeback.csv');
    await download.saveAs(path);
    const header = readFileSync(path, 'utf8').split('\n')[0] ?? '';
    assert.match(header, /^ChargePeriodStart,ChargePeriodEnd,ChargeCategory,/);
    assert.ok(header.includes('BilledCost') && header.includes('x_Team'), header);
    await shoot('cost');
  });

  it('shows the KV cache, scheduler and GPU views with the API’s numbers', async () => {
    await open('/kv-cache?from=15m');
    await page.getByTestId('kv-rows').waitFor();
    const kv = await api<{ totals: { hitRate: number | null } }>('/api/kv-cache?from=15m&by=tenant');
    assert.equal(await text('kv-hit'), pct(kv.totals.hitRate));
    await shoot('kv-cache');

    await open('/scheduler?from=15m');
    await page.getByTestId('sched-chart').waitFor();
    const sched = await api<{ fairnessIndex: number | null; starved: { count: number } }>(
      '/api/scheduler?from=15m&step=30s',
    );
    assert.equal(
      await text('sched-fairness'),
      sched.fairnessIndex === null ? '—' : sched.fairnessIndex.toFixed(3),
    );
    assert.equal(await text('sched-starved'), num(sched.starved.count));
    await shoot('scheduler');

    await open('/gpus?from=15m');
    await page.getByTestId('gpu-rows').waitFor();
    const gpu = await api<{ replicas: unknown[] }>('/api/gpu?from=15m');
    assert.ok(gpu.replicas.length > 0);
    assert.equal(await page.getByTestId('gpu-rows').locator('tbody tr').count(), gpu.replicas.length);
    await shoot('gpus');
  });

  it('shows incidents with their root cause, and applies then rolls back a recommendation by clicks', async () => {
    await open('/incidents?from=1h');
    const { incidents } = await api<{ incidents: unknown[] }>('/api/incidents?from=1h');
    assert.ok(incidents.length > 0, 'the demo’s load spike fires an alert');
    await page.getByTestId('incidents').waitFor();
    assert.equal(await page.getByTestId('incident').count(), incidents.length);
    await page.getByTestId('incident-cause').first().waitFor();
    const { recommendations } = await api<{
      recommendations: { recommendation: { id: string; title: string }; state: string }[];
    }>('/api/recommendations');
    const proposed = recommendations.find((r) => r.state === 'proposed');
    assert.ok(proposed, 'the alert proposed a change');
    await page.getByRole('button', { name: proposed.recommendation.title }).first().click();
    await page.getByTestId('diff').waitFor();
    await shoot('incidents');
    await page.getByLabel('who decides').fill('browser-test');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByRole('button', { name: 'Roll back' }).and(page.locator(':not([disabled])')).waitFor();
    const id = encodeURIComponent(proposed.recommendation.id);
    assert.equal((await api<{ state: string }>(`/api/recommendations/${id}`)).state, 'applied');
    await page.getByRole('button', { name: 'Roll back' }).click();
    const settled = page
      .getByRole('button', { name: 'Apply' })
      .and(page.locator(':not([disabled])'))
      .or(page.getByTestId('decision').getByRole('alert'));
    await settled
      .first()
      .waitFor()
      .catch(async (err: unknown) => {
        await page.screenshot({ path: join(SHOTS, 'failure-rollback.png'), fullPage: true });
        throw err;
      });
    assert.equal(
      await page.getByTestId('decision').getByRole('alert').count(),
      0,
      (await page.getByTestId('decision').textContent()) ?? '',
    );
    const record = await api<{ state: string; history: { state: string; who: string }[] }>(
      `/api/recommendations/${id}`,
    );
    assert.equal(record.state, 'rolled_back');
    assert.deepEqual(
      record.history.slice(-2).map((h) => `${h.state}:${h.who}`),
      // The name typed in the UI, and the API token the clicks were made with.
      ['applied:browser-test (token platform)', 'rolled_back:browser-test (token platform)'],
    );
  });

  it('shows a team-scoped token only its team, and says why fleet views are closed to it', async () => {
    await page.evaluate(
      (t) => (globalThis as unknown as BrowserGlobals).localStorage.setItem('kubeburner.token', t),
      SUPPORT,
    );
    await open('/requests?from=15m&by=team');
    await page.getByTestId('percentiles').waitFor();
    const teams = (
      await page.getByTestId('percentiles').locator('tbody tr td:first-child').allTextContents()
    ).map((t) => t.trim());
    assert.deepEqual(teams, ['support']);
    await open('/gpus');
    const error = page.getByRole('alert');
    await error.waitFor();
    assert.match((await error.textContent()) ?? '', /HTTP 403: .*scoped to teams support/);
    await page.evaluate(() =>
      (globalThis as unknown as BrowserGlobals).localStorage.removeItem('kubeburner.token'),
    );
  });
});
