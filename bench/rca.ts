/**
 * npm run bench:rca [-- --scenarios 200 --seed <first seed> --jobs 2]
 *
 * Draws --scenarios fresh fault scenarios (src/sim/drawn-scenario.ts: fleet, load, drift, tenant
 * mix, fault kind and strength, start, duration, pairs of faults), simulates each through the real
 * scrape path up to the moment its alert fires, and analyses what the product would: the alert's
 * short window against the baseline the product picks. Seeds run from --seed (default: drawn from
 * the clock, printed); the same --seed replays the same scenarios. --jobs worker processes share
 * the seeds. Misses are printed as they come (--verbose: every scenario).
 *
 * A scenario is `visible` when the fault at least doubled its SLO's bad-event ratio (errors, or
 * TTFT/TPOT above the baseline's p99) in the analysed window. Goals: ≥ 90 % top-1 on visible
 * scenarios; ≤ 10 % wrong answers (rather than inconclusive) on the others.
 */
import { parseArgs } from 'node:util';
import { renderTable } from '../src/cli/table.ts';
import { summarize } from '../test/support/rca-score.ts';
import { runDrawnScenarios } from '../test/support/rca-workers.ts';

const { values: args } = parseArgs({
  options: {
    scenarios: { type: 'string', default: '200' },
    seed: { type: 'string' },
    jobs: { type: 'string', default: '2' },
    verbose: { type: 'boolean', default: false },
  },
});

const COUNT = Number(args.scenarios);
const FIRST = Number(args.seed ?? Date.now() % 1_000_000_000);
const JOBS = Math.max(1, Number(args.jobs));
console.log(
  `bench:rca: ${COUNT} drawn scenarios, seeds ${FIRST}…${FIRST + COUNT - 1} (--seed ${FIRST} replays them)`,
);

const started = performance.now();
const runs = await runDrawnScenarios(FIRST, COUNT, JOBS, (run) => {
  if (args.verbose || run.outcome === 'wrong' || (run.visible && run.outcome !== 'right'))
    console.log(`  ${run.outcome}: ${run.line}`);
});

const s = summarize(runs);
const pct = (n: number, of: number) => (of === 0 ? '—' : `${((100 * n) / of).toFixed(1)} %`);
const row = (name: string, g: { n: number; right: number; wrong: number; inconclusive: number }) => [
  name,
  String(g.n),
  pct(g.right, g.n),
  pct(g.wrong, g.n),
  pct(g.inconclusive, g.n),
];
const header = ['scenarios', 'n', 'top-1 right', 'wrong', 'inconclusive'];
console.log(`\nBy visibility (bad-event ratio in the window ÷ the baseline's)`);
console.log(renderTable(header, [row('faint (< 2×)', s.faint), row('visible (≥ 2×)', s.visible)]));
console.log(`\nBy drawn strength (0 = barely noticeable … 1 = severe)`);
console.log(
  renderTable(
    header,
    Object.entries(s.byStrength).map(([k, g]) => row(k, g)),
  ),
);
console.log(`\nBy fleet`);
console.log(
  renderTable(
    header,
    Object.entries(s.byFleet).map(([k, g]) => row(k, g)),
  ),
);
console.log(`\nConfusion: injected fault (first of a pair) × answer (* = an injected fault's cause)`);
console.log(renderTable(['injected', ...s.confusion.columns], s.confusion.rows));
const { visible, faint } = s;
console.log(
  `\nGoals: top-1 on visible scenarios ${pct(visible.right, visible.n)} (goal ≥ 90 %); ` +
    `wrong answers on faint ones ${pct(faint.wrong, faint.n)} (goal ≤ 10 %); ` +
    `inconclusive overall ${pct(s.all.inconclusive, s.all.n)}. ` +
    `Diagnosis ${s.diagnosisMs.median.toFixed(0)} ms median, ${s.diagnosisMs.max.toFixed(0)} ms max; ` +
    `${((performance.now() - started) / 1000).toFixed(0)} s in all.`,
);
