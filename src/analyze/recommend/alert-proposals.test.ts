import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runFaultScenario, type FaultRun } from '../../../test/support/fault-scenario.ts';
import { configSchema } from '../../config/schema.ts';
import { writeDemoManifests } from '../../sim/demo-manifests.ts';
import { demoReplicas, demoSloConfigs } from '../../sim/scenarios.ts';
import type { AlertNotification, AlertSink } from '../slo/notification.ts';
import { SloEvaluator } from '../slo/evaluator.ts';
import { sloSpec } from '../slo/spec.ts';
import { alertProposer } from './alert-proposals.ts';
import { RecommendationBook } from './decisions.ts';
import { FileTarget } from './file-target.ts';

const MIN = 60e6;

describe('alerts propose changes for a person to decide', () => {
  let run: FaultRun;
  let target: FileTarget;
  let book: RecommendationBook;
  let manifest: string;
  const sent: AlertNotification[] = [];

  before(async () => {
    // A load spike on the 70B fleet (arrivals ×4 for 4 minutes) after 8 healthy ones.
    run = await runFaultScenario('queue_saturation', 1);
    const dir = mkdtempSync(join(tmpdir(), 'kb-alert-proposals-'));
    const written = writeDemoManifests(dir, demoReplicas());
    assert.deepEqual(
      written.map((f) => f.slice(dir.length + 1)),
      ['llama-3-70b-vllm.yaml', 'llama-3-8b-vllm.yaml'],
    );
    target = new FileTarget(dir);
    manifest = target.read('llama-3-70b-vllm');
    const clockUs = () => run.window.toUs;
    book = new RecommendationBook(run.store, target, clockUs);
    const sink: AlertSink = { alert: (n) => sent.push(n), digest: () => {} };
    const slos = configSchema.parse({ slos: demoSloConfigs() }).slos.filter((s) => s.name === 'search-ttft');
    const evaluator = new SloEvaluator({
      store: run.store,
      specs: slos.map(sloSpec),
      intervalUs: MIN,
      delayUs: 0,
      clock: clockUs,
      notifier: sink,
      proposer: alertProposer(run.store, book),
    });
    for (let t = run.baseline.fromUs; t <= run.window.toUs + 4 * MIN; t += MIN) await evaluator.evaluateAt(t);
  });
  after(() => run.store.close());

  it('attaches the proposed scale-up to the firing alert and records it, changing nothing', async () => {
    const firing = sent.filter((n) => n.status === 'firing');
    assert.ok(firing.length > 0, 'the TTFT SLO fired during the spike');
    const proposals = firing.flatMap((n) => n.report?.proposals ?? []);
    const scale = proposals.find((p) => /^Scale llama-3-70b-vllm from 2 to [34] replicas$/.test(p.title));
    assert.ok(scale, `a scale-up was proposed: ${JSON.stringify(proposals)}`);
    const records = await book.list();
    const record = records.find((r) => r.recommendation.id === scale.id);
    assert.equal(record?.state, 'proposed');
    assert.equal(record?.recommendation.cause, 'queue_saturation');
    // Only proposed: the manifest is as it was, and the preview shows the one line that would change.
    assert.equal(target.read('llama-3-70b-vllm'), manifest);
    const preview = await book.preview(scale.id);
    assert.match(preview.diff, /^-\s+replicas: 2$/m);
    assert.match(preview.diff, /^\+\s+replicas: [34]$/m);
    // Several alerts (page and ticket windows) over one incident: the scale-up waits once, and
    // every alert names that one.
    assert.equal(records.filter((r) => r.recommendation.change.kind === 'set_replicas').length, 1);
    assert.ok(
      firing.every((n) =>
        (n.report?.proposals ?? []).every((p) => records.some((r) => r.recommendation.id === p.id)),
      ),
    );
    assert.ok(
      records.every((r) => r.history.length === 1),
      'each proposal recorded once',
    );
    assert.equal(readFileSync(join(target.dir, 'llama-3-70b-vllm.yaml'), 'utf8'), manifest);
  });
});
