import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EXPECTED_CAUSE } from '../src/analyze/rca/fault-causes.ts';
import { FAULT_KINDS } from '../src/sim/faults.ts';
import { diagnoseFaultScenario, FAULT_COMBINATIONS } from './support/fault-scenario.ts';
import { summarize } from './support/rca-score.ts';
import { runDrawnScenarios } from './support/rca-workers.ts';

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

/** Wilson score interval of k successes in n, one-sided 99 % on each side (z = 2.326). */
function wilson(k: number, n: number): { low: number; high: number } {
  if (n === 0) return { low: 0, high: 1 };
  const z = 2.326;
  const p = k / n;
  const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = (z / (1 + (z * z) / n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** Drawn at run time (KUBEBURNER_RCA_SEED replays a run): scenarios the analysis was not tuned to. */
const FIRST_SEED = Number(process.env.KUBEBURNER_RCA_SEED ?? Date.now() % 1_000_000_000);
const DRAWN = 40;

/**
 * Root-cause analysis scored against the simulator's ground truth, through the real scrape path
 * (engine /metrics and DCGM over HTTP, at simulated time). `npm run bench:rca` runs ≥ 200 drawn
 * scenarios and prints the tables.
 */
describe('root-cause analysis against injected faults', { timeout: 900_000 }, () => {
  it(`on ${DRAWN} drawn scenarios (alert-shaped windows): not ruling out ≥ 90 % top-1 when the fault doubled the SLO's bad events, nor ≤ 10 % wrong below that`, async () => {
    console.log(
      `drawn RCA scenarios: seeds ${FIRST_SEED}…${FIRST_SEED + DRAWN - 1} (KUBEBURNER_RCA_SEED=${FIRST_SEED} replays them)`,
    );
    const runs = await runDrawnScenarios(FIRST_SEED, DRAWN, 2);
    const { visible, faint } = summarize(runs);
    const misses = runs.filter((r) => r.outcome === 'wrong' || (r.visible && r.outcome !== 'right'));
    console.log(
      `visible: ${visible.right}/${visible.n} right; faint: ${faint.wrong}/${faint.n} wrong, ${faint.inconclusive} inconclusive`,
    );
    for (const miss of misses) console.log(`  ${miss.outcome}: ${miss.line}`);
    assert.ok(visible.n >= 10, `only ${visible.n} visible scenarios were drawn`);
    // ~30 draws cannot tell 90 % from 93 % (±9 points): the test fails when the draws rule the goal
    // out — the one-sided 99 % upper bound of the top-1 rate below 90 %, or of the wrong-answer
    // rate's lower bound above 10 % — not when chance puts one draw on the wrong side (at a true
    // 90 %, 29 visible draws fail it 2 % of the time; a 95 % bound failed 6 %).
    // bench:rca's 200 draws are where the goal is measured.
    const right = wilson(visible.right, visible.n);
    const wrong = wilson(faint.wrong, faint.n);
    console.log(
      `top-1 on visible ${pct(visible.right / visible.n)} (99 % bounds ${pct(right.low)}–${pct(right.high)}); ` +
        `wrong on faint ${pct(faint.n ? faint.wrong / faint.n : 0)} (${pct(wrong.low)}–${pct(wrong.high)})`,
    );
    assert.ok(right.high >= 0.9, `top-1 ${visible.right}/${visible.n} on visible scenarios rules out 90 %`);
    assert.ok(wrong.low <= 0.1, `${faint.wrong}/${faint.n} wrong answers on faint scenarios rule out ≤ 10 %`);
    // Every answer that names a cause carries evidence a reader can check (the line shows it).
    assert.ok(runs.every((r) => r.answer === 'inconclusive' || r.line.includes(r.answer)));
  });

  // Regression: the demo's fault strengths, the fault's own window (seed 1).
  it(`names each injected fault at the demo's strength (${FAULT_KINDS.length} faults)`, async () => {
    const misses: string[] = [];
    for (const kind of FAULT_KINDS) {
      const { causes, truths } = await diagnoseFaultScenario(kind, 1);
      const top = causes[0];
      if (top?.cause !== EXPECTED_CAUSE[kind])
        misses.push(`${kind}: got ${top ? `${top.cause} (${top.score.toFixed(2)})` : 'nothing'}`);
      else {
        assert.ok(top.evidence.length > 0);
        if (kind === 'tp_straggler' || kind === 'replica_crash')
          assert.equal(top.replica, truths[0]?.replicas[0]);
        if (kind === 'cache_unfriendly_tenant') assert.equal(top.tenant, truths[0]?.tenant);
      }
    }
    assert.deepEqual(misses, []);
  });

  it(`names one of two faults injected together (${FAULT_COMBINATIONS.length} pairs, at least 7)`, async () => {
    const misses: string[] = [];
    for (const combination of FAULT_COMBINATIONS) {
      const { causes } = await diagnoseFaultScenario(combination, 1);
      const expected = combination.map((kind) => EXPECTED_CAUSE[kind]);
      const top = causes[0];
      if (!top || !expected.includes(top.cause))
        misses.push(
          `${combination.join(' + ')}: got ${top ? `${top.cause} (${top.score.toFixed(2)})` : 'nothing'}`,
        );
    }
    assert.ok(misses.length <= 1, misses.join('; '));
  });
});
