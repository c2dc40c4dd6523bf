import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SloEvaluator } from '../src/analyze/slo/evaluator.ts';
import { sloSpec } from '../src/analyze/slo/spec.ts';
import { configSchema } from '../src/config/schema.ts';
import type { InferenceRequest } from '../src/model/request.ts';
import type { Span } from '../src/model/span.ts';
import { NotificationDispatcher } from '../src/serve/notify/dispatcher.ts';
import { AlertNotifier } from '../src/serve/notify/notifier.ts';
import type { SlackMessage } from '../src/serve/notify/slack.ts';
import type { Fleet } from '../src/sim/fleet.ts';
import { DuckDbStore } from '../src/store/duckdb/duckdb-store.ts';
import { seventyBFleet } from './support/fault-scenario.ts';
import { TestWebhook } from './support/webhook.ts';

const MIN = 60e6;
const START_US = Date.UTC(2026, 10, 25, 8) * 1000;
const FAULT_AT = 20 * MIN;

/**
 * The live path end to end on the simulator: the 70B fleet runs healthy for 20 minutes, then its
 * arrival rate rises 5× for 10 (queue saturation). The simulated clock drives the evaluator as
 * the wall clock would, requests reach the store when they finish, and a local webhook plays Slack.
 */
describe('queue saturation pages with root cause and dollar impact', () => {
  const slack = new TestWebhook();
  let store: DuckDbStore;
  let evaluator: SloEvaluator;
  let dispatcher: NotificationDispatcher;
  let fleet: Fleet;

  before(async () => {
    await slack.start();
    const config = configSchema.parse({
      slos: [
        {
          name: 'search-ttft',
          selector: { model: 'llama-3-70b' },
          objective: 0.99,
          window: '30d',
          ttft: { bands: [{ max_prompt_tokens: 2000, threshold: '1s' }, { threshold: '2s' }] },
          alerting: { keep_firing_for: '5m', notify: ['oncall'] },
        },
      ],
      alerting: { receivers: [{ name: 'oncall', kind: 'slack', url: `${slack.url}/services/T0/B0/x` }] },
    });
    store = await DuckDbStore.open({ path: ':memory:' });
    dispatcher = new NotificationDispatcher(config.alerting.receivers, { baseDelayMs: 10 });
    fleet = seventyBFleet(3, START_US, [
      { kind: 'queue_saturation', atUs: FAULT_AT, durationUs: 10 * MIN, model: 'llama-3-70b', factor: 5 },
    ]);
    const finished: { request: InferenceRequest; spans: Span[] }[] = [];
    fleet.onRecord((record) => finished.push(record));
    evaluator = new SloEvaluator({
      store,
      specs: config.slos.map(sloSpec),
      intervalUs: MIN,
      delayUs: 30e6,
      clock: () => fleet.nowUs,
      notifier: new AlertNotifier(dispatcher, 'http://kubeburner.test'),
      externalUrl: 'http://kubeburner.test',
    });
    for (let t = START_US; t < START_US + 50 * MIN; t += 15e6) {
      fleet.runUntil(t);
      const batch = finished.splice(0);
      await store.writeBatch({ requests: batch.map((r) => r.request), spans: batch.flatMap((r) => r.spans) });
      const due = evaluator.dueAt();
      if (due !== null) await evaluator.evaluateAt(due);
    }
    await dispatcher.drain(5000);
  });

  after(async () => {
    dispatcher?.stop();
    await store?.close();
    await slack.stop();
  });

  it('fires the 1 h page within 10 minutes of the fault and not before it', async () => {
    const events = await store.listEvents({
      range: { fromUs: START_US, toUs: START_US + 60 * MIN },
      kinds: ['slo_alert'],
      limit: 100,
    });
    const firing = events.filter((e) => e.subject === 'search-ttft/page-1h' && e.state === 'firing');
    assert.equal(firing.length, 1, 'the page fires once');
    const firedAt = (firing[0]?.timeUs ?? 0) - START_US;
    assert.ok(firedAt > FAULT_AT, `fired at ${firedAt / MIN} min, before the fault`);
    assert.ok(firedAt <= FAULT_AT + 10 * MIN, `fired at ${firedAt / MIN} min, too late`);
    const report = firing[0]?.body.report as { rootCause: { cause: string } | null };
    assert.equal(report.rootCause?.cause, 'queue_saturation');
    const truth = fleet.groundTruth.find((g) => g.kind === 'queue_saturation');
    assert.equal(truth?.startUs, START_US + FAULT_AT);
  });

  it('sends a Slack message with the root cause, evidence and dollar impact', () => {
    const pages = slack.received.filter((p) =>
      (p.body as SlackMessage).text.startsWith('PAGE: SLO search-ttft page-1h'),
    );
    assert.equal(pages.length, 1);
    assert.equal(pages[0]?.path, '/services/T0/B0/x');
    const message = pages[0]?.body as SlackMessage;
    const text = message.blocks
      .map((b) => b.text?.text ?? b.elements?.map((e) => e.text).join(' '))
      .join('\n');
    assert.match(message.text, /queue saturation: queue time \d+(\.\d)?×/);
    assert.match(text, /\*Root cause:\* queue saturation: queue time/);
    // The arrival rate counts stored (finished) requests, so it understates a spike still queued.
    assert.match(text, /arrival rate \d(\.\d)?× \([45]\.\d+ req\/s → \d+(\.\d+)? req\/s\)/);
    assert.match(text, /worst band: prompts (\d+-\d+|\d+\+) tokens, \d+\.\d %/);
    assert.match(text, /replicas: vllm-llama-3-70b-\d/);
    assert.match(text, /latency rise: queue \d+\.\d %/);
    const dollars = /\*Dollar impact:\* \$(\d+(\.\d+)?)/.exec(text);
    assert.ok(dollars, 'dollar impact line');
    assert.ok(Number(dollars[1]) > 0, 'a nonzero dollar impact');
    assert.match(text, /<http:\/\/kubeburner\.test\/api\/slo\/search-ttft\|details>/);
  });

  it('resolves after the fault once keep_firing_for has passed', () => {
    const resolved = slack.received.filter(
      (p) => (p.body as SlackMessage).text === 'RESOLVED: SLO search-ttft page-1h',
    );
    assert.equal(resolved.length, 1);
  });

  it('keeps the SLO status history as metric samples', async () => {
    const points = await store.queryMetric({
      name: 'kubeburner.slo.burn_rate',
      range: { fromUs: START_US, toUs: START_US + 60 * MIN },
      labels: { slo: 'search-ttft', window: '5m' },
      stepUs: MIN,
      aggregate: 'last',
    });
    assert.ok(points.length >= 40);
    const before = points.filter((p) => p.bucketStartUs < START_US + FAULT_AT).map((p) => p.value);
    const during = points.filter(
      (p) => p.bucketStartUs >= START_US + FAULT_AT + 3 * MIN && p.bucketStartUs < START_US + 30 * MIN,
    );
    assert.ok(Math.max(...before) < 1, 'healthy before the fault');
    assert.ok(Math.max(...during.map((p) => p.value)) > 14.4, 'burning faster than the page rate during it');
    const [status] = evaluator.status();
    assert.ok(status && status.budgetRemaining < 1 && status.budgetRemaining > -100);
  });
});
