import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  explainRequest,
  inIncidentTerms,
  incidentAround,
  peerMeans,
} from '../src/analyze/request-explanation.ts';
import { runFaultScenario } from './support/fault-scenario.ts';

/**
 * One request explained in the terms of the incident it ran in: a load spike on the simulated 70B
 * fleet through the real scrape path; the request that waited longest in it is a load-spike
 * request first. A request of the healthy stretch is explained on its own.
 */
describe('a request inside an incident', { timeout: 120_000 }, () => {
  it('is explained by the incident (queue saturation) before its own peculiarities', async () => {
    const seed = Number(process.env.KUBEBURNER_TEST_SEED ?? Date.now() % 1_000_000);
    console.log(`load-spike scenario: seed ${seed} (KUBEBURNER_TEST_SEED replays it)`);
    const run = await runFaultScenario('queue_saturation', seed);
    try {
      const requests = await run.store.searchRequests({ range: { fromUs: 0, toUs: 4e15 }, limit: 100_000 });
      const inSpike = requests
        .filter((r) => r.arrivalUs >= run.window.fromUs + 60e6 && r.arrivalUs < run.window.toUs - 30e6)
        .sort((a, b) => (b.queueUs ?? 0) - (a.queueUs ?? 0))[0];
      assert.ok(inSpike, 'a request in the load spike');
      const incident = await incidentAround(run.store, inSpike);
      assert.equal(incident?.cause, 'queue_saturation');
      const explained = inIncidentTerms(
        explainRequest(inSpike, await peerMeans(run.store, inSpike)),
        incident,
      );
      assert.equal(explained.incident?.cause, 'queue_saturation');
      assert.match(explained.label, /^during queue saturation: .*arrival rate .* — this request: /);

      const healthy = requests.find(
        (r) => r.arrivalUs < run.baseline.fromUs && r.arrivalUs > run.baseline.fromUs - 120e6,
      );
      assert.ok(healthy, 'a request of the healthy stretch');
      assert.equal(await incidentAround(run.store, healthy), null);
    } finally {
      await run.store.close();
    }
  });
});
