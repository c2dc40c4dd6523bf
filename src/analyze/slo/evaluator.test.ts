import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestWebhook } from '../../../test/support/webhook.ts';
import { configSchema } from '../../config/schema.ts';
import { makeRequest, type InferenceRequest } from '../../model/request.ts';
import { NotificationDispatcher } from '../../serve/notify/dispatcher.ts';
import { AlertNotifier } from '../../serve/notify/notifier.ts';
import { DuckDbStore } from '../../store/duckdb/duckdb-store.ts';
import { SloEvaluator } from './evaluator.ts';
import { replaySlo } from './replay.ts';
import { sloSpec } from './spec.ts';

const MIN = 60e6;
/** 2026-11-25 06:00 UTC; the digest hour is 08 UTC, two hours in. */
const START = Date.UTC(2026, 10, 25, 6) * 1000;

/** 10 requests a minute for 3 h; from minute 90 to 120 every other one fails. */
function traffic(): InferenceRequest[] {
  const out: InferenceRequest[] = [];
  for (let m = 0; m < 180; m++)
    for (let i = 0; i < 10; i++) {
      const arrivalUs = START + m * MIN + i * 6e6;
      const failing = m >= 90 && m < 120 && i % 2 === 0;
      out.push(
        makeRequest({
          requestId: `r-${m}-${i}`,
          arrivalUs,
          finishedUs: arrivalUs + 2e6,
          model: 'm',
          team: 'search',
          status: failing ? 'error' : 'ok',
          costUsd: 0.01,
        }),
      );
    }
  return out;
}

describe('SLO evaluator', () => {
  const hook = new TestWebhook();
  let store: DuckDbStore;
  const config = configSchema.parse({
    slos: [{ name: 'avail', selector: { model: 'm' }, objective: 0.99, window: '30d', availability: {} }],
    alerting: {
      receivers: [{ name: 'hook', kind: 'webhook', url: 'http://127.0.0.1:1/unused' }],
      digest: { receiver: 'hook', hour_utc: 8 },
    },
  });
  const specs = config.slos.map(sloSpec);
  const evaluations: { at: number; firing: string[] }[] = [];
  let dispatcher: NotificationDispatcher;

  before(async () => {
    await hook.start();
    store = await DuckDbStore.open({ path: ':memory:' });
    await store.writeBatch({ requests: traffic(), spans: [] });
    dispatcher = new NotificationDispatcher([{ name: 'hook', kind: 'webhook', url: hook.url }], {
      baseDelayMs: 5,
    });
    const evaluator = new SloEvaluator({
      store,
      specs,
      intervalUs: MIN,
      delayUs: 0,
      clock: () => START,
      notifier: new AlertNotifier(dispatcher, null),
      digest: { receiver: 'hook', hourUtc: 8 },
    });
    for (let t = START + MIN; t <= START + 180 * MIN; t += MIN) {
      const [status] = await evaluator.evaluateAt(t);
      evaluations.push({
        at: t,
        firing: status?.alerts.filter((a) => a.state === 'firing').map((a) => a.alert) ?? [],
      });
    }
    await dispatcher.drain(5000);
  });

  after(async () => {
    dispatcher.stop();
    await store.close();
    await hook.stop();
  });

  it('fires and resolves exactly when `slo replay` says it would have', async () => {
    const replay = await replaySlo(store, specs[0]!, { fromUs: START, toUs: START + 180 * MIN }, MIN);
    assert.deepEqual(
      evaluations.map((e) => e.firing),
      replay.firing,
    );
    assert.ok(
      evaluations.some((e) => e.firing.includes('page-1h')),
      'the page fired',
    );
    const events = await store.listEvents({
      range: { fromUs: START, toUs: START + 200 * MIN },
      kinds: ['slo_alert'],
      limit: 100,
    });
    const transitions = replay.transitions
      .map(
        (t) => `${t.atUs} avail/${t.alert} ${t.to === 'inactive' && t.from === 'firing' ? 'resolved' : t.to}`,
      )
      .sort();
    assert.deepEqual(events.map((e) => `${e.timeUs} ${e.subject} ${e.state}`).sort(), transitions);
  });

  it('reports budget remaining over the SLO window from events, not averaged ratios', async () => {
    const points = await store.queryMetric({
      name: 'kubeburner.slo.error_budget_remaining',
      range: { fromUs: START + 180 * MIN, toUs: START + 181 * MIN },
      labels: { slo: 'avail' },
      stepUs: MIN,
      aggregate: 'last',
    });
    // At the last evaluation: 150 bad of 1,800 events; budget 1 %: 1 − (150 / 1800) / 0.01.
    assert.equal(points.length, 1);
    assert.ok(Math.abs((points[0]?.value ?? 0) - (1 - 150 / 1800 / 0.01)) < 1e-9);
  });

  it('sends the alert with its evidence and the daily digest once, at the configured hour', () => {
    const posts = hook.received.map(
      (p) => p.body as { kind: string; status?: string; report?: unknown; toUs?: number },
    );
    const digests = posts.filter((p) => p.kind === 'kubeburner.digest');
    assert.equal(digests.length, 1);
    assert.equal(digests[0]?.toUs, START + 120 * MIN);
    const firing = posts.filter((p) => p.kind === 'kubeburner.slo_alert' && p.status === 'firing');
    assert.ok(firing.length >= 1);
    assert.ok(firing.every((p) => p.report !== null));
  });

  it('restores firing alerts from stored events after a restart, without paging again', async () => {
    const firingAt = evaluations.find((e) => e.firing.includes('page-1h'))?.at as number;
    const fresh = await DuckDbStore.open({ path: ':memory:' });
    try {
      await fresh.writeBatch({ requests: traffic().filter((r) => r.arrivalUs < firingAt), spans: [] });
      const first = new SloEvaluator({
        store: fresh,
        specs,
        intervalUs: MIN,
        delayUs: 0,
        clock: () => firingAt,
      });
      await first.evaluateAt(firingAt);
      const restarted = new SloEvaluator({
        store: fresh,
        specs,
        intervalUs: MIN,
        delayUs: 0,
        clock: () => firingAt + MIN,
      });
      await restarted.restore();
      const [status] = await restarted.evaluateAt(firingAt + MIN);
      assert.equal(status?.alerts.find((a) => a.alert === 'page-1h')?.state, 'firing');
      const events = await fresh.listEvents({
        range: { fromUs: START, toUs: firingAt + 2 * MIN },
        kinds: ['slo_alert'],
        limit: 10,
      });
      assert.equal(events.filter((e) => e.subject === 'avail/page-1h' && e.state === 'firing').length, 1);
    } finally {
      await fresh.close();
    }
  });

  it('keeps evaluating on schedule from the clock, without overlapping runs', async () => {
    let now = START + 10 * MIN + 5e6;
    const evaluator = new SloEvaluator({ store, specs, intervalUs: MIN, delayUs: 30e6, clock: () => now });
    assert.equal(evaluator.dueAt(), START + 9 * MIN, 'aligned to the interval, behind by the delay');
    evaluator.start(5);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(evaluator.evaluations, 1);
    now += 2 * MIN;
    await new Promise((r) => setTimeout(r, 100));
    await evaluator.stop();
    assert.equal(evaluator.evaluations, 2, 'missed intervals are not replayed');
    assert.equal(evaluator.status()[0]?.evaluatedAtUs, START + 11 * MIN);
  });
});
