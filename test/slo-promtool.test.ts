import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { classifyRequest } from '../src/analyze/slo/events.ts';
import {
  BURN_RATE_ALERT,
  SLO_EVENTS_METRIC,
  SLO_EVENT_TOKENS_METRIC,
  alertAnnotations,
  prometheusRules,
} from '../src/analyze/slo/prometheus-rules.ts';
import { replaySlo, type SloReplay } from '../src/analyze/slo/replay.ts';
import { sloSpec, type SloSpec } from '../src/analyze/slo/spec.ts';
import { configSchema } from '../src/config/schema.ts';
import { makeRequest, type InferenceRequest } from '../src/model/request.ts';
import { DuckDbStore } from '../src/store/duckdb/duckdb-store.ts';
import { skipOutsideCi } from './support/ci.ts';

const run = promisify(execFile);
const MINUTE_US = 60e6;
const MINUTES = 26 * 60;
const T0 = Date.UTC(2026, 10, 20) * 1000;

/** Bad-event share per minute: quiet, a sharp incident, a slow burn, recovery. */
function badShare(minute: number): number {
  if (minute >= 120 && minute < 160) return 1; // incident: half fail, the other half is slow
  if (minute >= 600 && minute < 1200) return 0.03; // ticket: slow burn
  return minute % 97 === 50 ? 0.05 : 0.002;
}

/** 40 requests a minute, in the middle of each minute (never on an evaluation boundary). */
function scenario(): InferenceRequest[] {
  const requests: InferenceRequest[] = [];
  let owed = 0; // fractional bad events carried to the next minute
  for (let m = 0; m < MINUTES; m++) {
    owed += badShare(m) * 40;
    const bad = Math.floor(owed + 1e-9);
    owed -= bad;
    for (let j = 0; j < 40; j++) {
      // The minute's bad events, evenly spaced.
      const isBad = Math.floor(((j + 1) * bad) / 40) > Math.floor((j * bad) / 40);
      const promptTokens = [200, 3000, 20_000][j % 3] as number;
      requests.push(
        makeRequest({
          requestId: `r-${m}-${j}`,
          arrivalUs: T0 + m * MINUTE_US + 30e6 + j * 1000,
          model: 'llama-3-70b',
          status: isBad && j % 2 === 0 ? 'error' : 'ok',
          promptTokens,
          outputTokens: 100 + j,
          // Slow first tokens where the request is "bad" but still succeeded (latency SLO).
          ttftUs: isBad ? 9_000_000 : 300_000 + j * 1000,
        }),
      );
    }
  }
  return requests;
}

const CONFIG = configSchema.parse({
  slos: [
    {
      name: 'chat-availability',
      selector: { model: 'llama-3-70b' },
      objective: 0.99,
      window: '30d',
      availability: {},
      alerting: { keep_firing_for: '3m' },
    },
    {
      name: 'chat-ttft',
      selector: { model: 'llama-3-70b' },
      objective: 0.99,
      window: '28d',
      token_weighted: true,
      ttft: {
        bands: [
          { max_prompt_tokens: 1000, threshold: '500ms' },
          { max_prompt_tokens: 8000, threshold: '1500ms' },
          { threshold: '4s' },
        ],
      },
    },
  ],
});

/** Cumulative good/bad counters per SLO and band, one value per minute, as KubeBurner exports them. */
function inputSeries(specs: SloSpec[], requests: InferenceRequest[]) {
  const series = new Map<string, number[]>();
  for (const spec of specs) {
    const metric = spec.tokenWeighted ? SLO_EVENT_TOKENS_METRIC : SLO_EVENTS_METRIC;
    const bands = spec.sli.kind === 'ttft' ? spec.sli.bands.map((b) => b.name) : ['all'];
    for (const band of bands)
      for (const outcome of ['good', 'bad'])
        series.set(
          `${metric}{slo="${spec.name}",band="${band}",outcome="${outcome}"}`,
          new Array(MINUTES + 1).fill(0),
        );
    for (const request of requests) {
      const event = classifyRequest(spec, request);
      if (!event) continue;
      const key = `${metric}{slo="${spec.name}",band="${event.band}",outcome="${event.good ? 'good' : 'bad'}"}`;
      const values = series.get(key)!;
      // A counter sampled at minute m has counted the events before it.
      const firstSample = Math.floor((request.arrivalUs - T0) / MINUTE_US) + 1;
      for (let m = firstSample; m <= MINUTES; m++) values[m] = values[m]! + event.weight;
    }
  }
  return [...series].map(([name, values]) => ({ series: name, values: values.join(' ') }));
}

describe('SLO alerts agree with the generated Prometheus rules under promtool', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kb-promtool-'));
  const specs = CONFIG.slos.map(sloSpec);
  const requests = scenario();
  let store: DuckDbStore;
  const replays = new Map<string, SloReplay>();

  before(async () => {
    store = await DuckDbStore.open({ path: join(dir, 'store.duckdb') });
    for (let i = 0; i < requests.length; i += 20_000)
      await store.writeBatch({ requests: requests.slice(i, i + 20_000), spans: [] });
    for (const spec of specs)
      replays.set(
        spec.name,
        await replaySlo(store, spec, { fromUs: T0, toUs: T0 + MINUTES * MINUTE_US }, MINUTE_US),
      );
  });
  after(() => store.close());

  it('fires page and ticket alerts in the scenario, and nothing while quiet', () => {
    for (const spec of specs) {
      const replay = replays.get(spec.name)!;
      const fired = new Set(replay.transitions.filter((t) => t.to === 'firing').map((t) => t.alert));
      assert.ok(fired.has('page-1h'), `${spec.name}: the incident pages (${[...fired]})`);
      assert.ok(
        [...fired].some((a) => a.startsWith('ticket')),
        `${spec.name}: the slow burn opens a ticket`,
      );
      const firstPage = replay.transitions.find((t) => t.alert === 'page-1h' && t.to === 'firing')!;
      const minutesIn = (firstPage.atUs - T0) / MINUTE_US;
      assert.ok(minutesIn > 120 && minutesIn <= 140, `${spec.name}: pages within 20 minutes (${minutesIn})`);
      assert.deepEqual(replay.firing.slice(0, 119).flat(), [], `${spec.name}: quiet hours stay quiet`);
    }
  });

  it('passes promtool check rules and promtool test rules with the same firing times', async (t) => {
    const missing = await run('promtool', ['--version']).then(
      () => null,
      () => skipOutsideCi("promtool is not installed (Debian's prometheus package)"),
    );
    if (missing) return t.skip(missing);
    const rulesFile = join(dir, 'rules.yaml');
    writeFileSync(rulesFile, stringify(prometheusRules(specs, '1m')));
    const check = await run('promtool', ['check', 'rules', rulesFile]).catch(
      (err: { stdout: string; stderr: string }) => {
        throw new Error(`promtool check rules failed:\n${err.stdout}${err.stderr}`);
      },
    );
    assert.match(check.stdout, /SUCCESS/);
    const alertTests = [];
    for (let m = 5; m <= MINUTES; m += 5) {
      const expAlerts = specs.flatMap((spec) =>
        replays
          .get(spec.name)!
          .firing[m - 1]!.map((name) => spec.alerts.find((a) => a.name === name)!)
          .map((alert) => ({
            exp_labels: { severity: alert.severity, slo: spec.name, window: alert.name },
            exp_annotations: alertAnnotations(spec, alert),
          })),
      );
      alertTests.push({ eval_time: `${m}m`, alertname: BURN_RATE_ALERT, exp_alerts: expAlerts });
    }
    const testFile = join(dir, 'rules.test.yaml');
    writeFileSync(
      testFile,
      stringify({
        rule_files: ['rules.yaml'],
        evaluation_interval: '1m',
        tests: [{ interval: '1m', input_series: inputSeries(specs, requests), alert_rule_test: alertTests }],
      }),
    );
    assert.ok(alertTests.some((t) => t.exp_alerts.length > 0));
    const result = await run('promtool', ['test', 'rules', testFile], {
      cwd: dir,
      maxBuffer: 64 * 1024 * 1024,
    }).catch((err: { stdout: string; stderr: string }) => {
      throw new Error(
        `promtool disagrees with KubeBurner's evaluator:\n${(err.stdout + err.stderr).slice(0, 6000)}`,
      );
    });
    assert.match(result.stdout, /SUCCESS/);
  });
});
