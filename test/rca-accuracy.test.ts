import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EXPECTED_CAUSE } from '../src/analyze/rca/fault-causes.ts';
import { FAULT_KINDS } from '../src/sim/faults.ts';
import { diagnoseFaultScenario, FAULT_COMBINATIONS } from './support/fault-scenario.ts';

const SEEDS = [1, 2];

/**
 * Root-cause analysis scored against the simulator's ground truth: every fault scenario, several
 * seeds, through the real scrape path (engine /metrics and DCGM over HTTP, at simulated time).
 * `npm run bench:rca` runs more seeds and prints the confusion matrix.
 */
describe('root-cause analysis against injected faults', () => {
  it(`names the injected fault first in at least 90 % of ${FAULT_KINDS.length} scenarios × ${SEEDS.length} seeds`, async () => {
    const misses: string[] = [];
    let runs = 0;
    for (const seed of SEEDS)
      for (const kind of FAULT_KINDS) {
        const { causes, truths } = await diagnoseFaultScenario(kind, seed);
        runs++;
        const top = causes[0];
        if (top?.cause !== EXPECTED_CAUSE[kind])
          misses.push(
            `${kind} seed ${seed}: got ${top ? `${top.cause} (${top.score.toFixed(2)})` : 'nothing'}`,
          );
        else {
          // Every named cause carries its evidence, and the replica when it is about one.
          assert.ok(top.evidence.length > 0);
          if (kind === 'tp_straggler' || kind === 'replica_crash')
            assert.equal(top.replica, truths[0]?.replicas[0]);
          if (kind === 'cache_unfriendly_tenant') assert.equal(top.tenant, truths[0]?.tenant);
        }
      }
    const accuracy = (runs - misses.length) / runs;
    assert.ok(accuracy >= 0.9, `top-1 accuracy ${(accuracy * 100).toFixed(0)} %: ${misses.join('; ')}`);
  });

  it(`names one of the injected faults first in at least 90 % of ${FAULT_COMBINATIONS.length} combinations × ${SEEDS.length} seeds`, async () => {
    const misses: string[] = [];
    let runs = 0;
    for (const seed of SEEDS)
      for (const combination of FAULT_COMBINATIONS) {
        const { causes } = await diagnoseFaultScenario(combination, seed);
        runs++;
        const expected = combination.map((kind) => EXPECTED_CAUSE[kind]);
        const top = causes[0];
        if (!top || !expected.includes(top.cause))
          misses.push(
            `${combination.join(' + ')} seed ${seed}: got ${top ? `${top.cause} (${top.score.toFixed(2)})` : 'nothing'}`,
          );
      }
    const accuracy = (runs - misses.length) / runs;
    assert.ok(accuracy >= 0.9, `top-1 accuracy ${(accuracy * 100).toFixed(0)} %: ${misses.join('; ')}`);
  });
});
