import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SloEvaluator } from '../analyze/slo/evaluator.ts';
import { sloSpec } from '../analyze/slo/spec.ts';
import { configSchema } from '../config/schema.ts';
import { makeRequest } from '../model/request.ts';
import { DuckDbStore } from '../store/duckdb/duckdb-store.ts';
import { listen } from '../../test/support/http.ts';
import { createApi } from './api.ts';

const MIN = 60e6;
const START = Date.UTC(2026, 10, 25, 6) * 1000;

describe('SLO API over HTTP', () => {
  let store: DuckDbStore;
  let close: () => Promise<void>;
  let base: string;

  before(async () => {
    store = await DuckDbStore.open({ path: ':memory:' });
    // 10 a minute for an hour; every request fails from minute 40 on.
    await store.writeBatch({
      requests: Array.from({ length: 600 }, (_, i) => {
        const arrivalUs = START + i * 6e6;
        // Short prompts (100 tokens) answer their first token in 100–199 ms, long ones (5,000) in 1–1.99 s.
        const long = i % 2 === 1;
        return makeRequest({
          requestId: `r${i}`,
          arrivalUs,
          finishedUs: arrivalUs + 1e6,
          status: i >= 400 ? 'error' : 'ok',
          promptTokens: long ? 5000 : 100,
          ttftUs: (long ? 1_000_000 : 100_000) + ((i >> 1) % 100) * (long ? 10_000 : 1_000),
        });
      }),
      spans: [],
    });
    const config = configSchema.parse({
      slos: [
        { name: 'avail', objective: 0.99, availability: {} },
        {
          name: 'ttft',
          objective: 0.9,
          ttft: { bands: [{ max_prompt_tokens: 1000, threshold: '150ms' }, { threshold: '2s' }] },
        },
      ],
    });
    const evaluator = new SloEvaluator({
      store,
      specs: config.slos.map(sloSpec),
      intervalUs: MIN,
      delayUs: 0,
      clock: () => START,
    });
    for (let t = START + MIN; t <= START + 60 * MIN; t += MIN) await evaluator.evaluateAt(t);
    const app = createApi({ store, nowUs: () => START + 60 * MIN, slo: evaluator });
    ({ base, close } = await listen(app));
  });
  after(async () => {
    await close();
    await store.close();
  });

  const get = async (path: string) => {
    const response = await fetch(`${base}${path}`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('lists every SLO’s status now', async () => {
    const { status, body } = await get('/api/slo');
    assert.equal(status, 200);
    const [slo] = body.slos as { slo: string; total: number; alerts: { alert: string; state: string }[] }[];
    assert.equal(slo?.slo, 'avail');
    assert.equal(slo?.total, 600);
    assert.equal(slo?.alerts.find((a) => a.alert === 'page-1h')?.state, 'firing');
  });

  it('gives one SLO with its burn-rate history per window and its alert transitions', async () => {
    const { status, body } = await get('/api/slo/avail?from=1h');
    assert.equal(status, 200);
    const history = body.history as {
      burnRate: Record<string, { t: number; v: number }[]>;
      budgetRemaining: unknown[];
    };
    assert.deepEqual(Object.keys(history.burnRate).sort(), ['1d', '1h', '2h', '30m', '3d', '5m', '6h']);
    const fiveMinutes = history.burnRate['5m'] ?? [];
    assert.ok(fiveMinutes.length >= 55);
    assert.ok(
      Math.abs((fiveMinutes.at(-1)?.v ?? 0) - 100) < 1e-9,
      'all failing: error ratio 1 ÷ budget 0.01',
    );
    assert.equal(fiveMinutes[0]?.v, 0);
    const alerts = body.alerts as { subject: string; state: string }[];
    assert.ok(alerts.some((a) => a.subject === 'avail/page-1h' && a.state === 'firing'));
  });

  it('gives a latency SLO’s p50/p90/p99 per prompt-length band beside each threshold', async () => {
    const { status, body } = await get('/api/slo/ttft?from=1h');
    assert.equal(status, 200);
    const bands = body.bandLatency as {
      band: string;
      field: string;
      thresholdUs: number;
      requests: number;
      p50Us: number;
      p99Us: number;
    }[];
    assert.deepEqual(
      bands.map((b) => [b.band, b.field, b.thresholdUs, b.requests]),
      [
        ['0-1000', 'ttft_us', 150_000, 200], // the 400 ok requests, half of them short
        ['1001+', 'ttft_us', 2_000_000, 200],
      ],
    );
    // Each band's TTFTs are 100 evenly spaced values, each twice: R7 p50 is the middle.
    assert.equal(bands[0]?.p50Us, 149_500);
    assert.equal(bands[1]?.p50Us, 1_495_000);
    assert.ok((bands[1]?.p99Us ?? 0) > 1_980_000 && (bands[1]?.p99Us ?? 0) <= 1_990_000);
    const avail = await get('/api/slo/avail?from=1h');
    assert.deepEqual(avail.body.bandLatency, [], 'an availability SLO has no latency');
  });

  it('lists alert events, and says what is wrong with a bad request', async () => {
    const { body } = await get('/api/alerts?from=2h&slo=avail');
    assert.ok((body.events as unknown[]).length >= 4);
    assert.equal((await get('/api/slo/nope')).status, 404);
    const one = await get('/api/alerts?from=2h&slo=avail&limit=1&notifications=true');
    assert.deepEqual(
      (one.body.events as { subject: string }[]).map((e) => e.subject.split('/')[0]),
      ['avail'],
    );
    assert.equal((await get('/api/alerts?slo=nope')).status, 404);
    const bad = await get('/api/alerts?limit=0');
    assert.equal(bad.status, 400);
    assert.match(String(bad.body.error), /limit/);
  });
});
