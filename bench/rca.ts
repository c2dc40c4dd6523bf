/**
 * npm run bench:rca [-- --seeds 5]
 *
 * Every fault scenario the simulator can inject, with several seeds, through the real scrape path
 * at simulated time; the analysis compares the fault's window with as long before it and names a
 * top cause. Prints the confusion matrix (injected fault × top-1 cause), top-1 accuracy and the
 * time each diagnosis took; then pairs of faults injected together, where the top cause must be
 * one of the pair.
 */
import { parseArgs } from 'node:util';
import { renderTable } from '../src/cli/table.ts';
import { CAUSES, type Cause } from '../src/analyze/rca/compare-windows.ts';
import { EXPECTED_CAUSE } from '../src/analyze/rca/fault-causes.ts';
import { FAULT_KINDS, type FaultKind } from '../src/sim/faults.ts';
import { diagnoseFaultScenario, FAULT_COMBINATIONS } from '../test/support/fault-scenario.ts';

const { values: args } = parseArgs({ options: { seeds: { type: 'string', default: '5' } } });
const SEEDS = Array.from({ length: Number(args.seeds) }, (_, i) => i + 1);

const confusion = new Map<FaultKind, Map<Cause | 'none', number>>();
const timesMs: number[] = [];
let correct = 0;
let runs = 0;
for (const kind of FAULT_KINDS) {
  const row = new Map<Cause | 'none', number>();
  confusion.set(kind, row);
  for (const seed of SEEDS) {
    const { causes, diagnosisMs } = await diagnoseFaultScenario(kind, seed);
    timesMs.push(diagnosisMs);
    const top = causes[0]?.cause ?? 'none';
    row.set(top, (row.get(top) ?? 0) + 1);
    runs++;
    if (top === EXPECTED_CAUSE[kind]) correct++;
  }
}
const columns = [...CAUSES, 'none'] as const;
const used = columns.filter((c) => [...confusion.values()].some((row) => row.has(c)));
console.log(`\nRCA top-1 cause by injected fault (${SEEDS.length} seeds each; expected cause marked *)`);
console.log(
  renderTable(
    ['injected fault', ...used],
    FAULT_KINDS.map((kind) => [
      kind,
      ...used.map((c) => {
        const n = confusion.get(kind)?.get(c) ?? 0;
        return n === 0 ? '' : `${n}${c === EXPECTED_CAUSE[kind] ? ' *' : ''}`;
      }),
    ]),
  ),
);
timesMs.sort((a, b) => a - b);
console.log(
  `top-1 accuracy ${((100 * correct) / runs).toFixed(1)} % (${correct}/${runs}); diagnosis took ` +
    `${timesMs[Math.floor(timesMs.length / 2)]?.toFixed(1)} ms median, ${timesMs.at(-1)?.toFixed(1)} ms max`,
);

// Two faults at once: the top cause must be one of them; the bench also shows whether the other
// one is ranked at all (the test does not require it).
console.log(`\nTwo faults injected together (${SEEDS.length} seeds each)`);
let comboCorrect = 0;
let bothRanked = 0;
let comboRuns = 0;
const comboRows: string[][] = [];
for (const combination of FAULT_COMBINATIONS) {
  const expected = combination.map((kind) => EXPECTED_CAUSE[kind]);
  const tops = new Map<string, number>();
  let ranked = 0;
  for (const seed of SEEDS) {
    const { causes } = await diagnoseFaultScenario(combination, seed);
    const top = causes[0]?.cause ?? 'none';
    tops.set(top, (tops.get(top) ?? 0) + 1);
    comboRuns++;
    if ((expected as string[]).includes(top)) comboCorrect++;
    if (expected.every((c) => causes.some((found) => found.cause === c))) {
      ranked++;
      bothRanked++;
    }
  }
  comboRows.push([
    combination.join(' + '),
    [...tops].map(([c, n]) => `${c} ×${n}${(expected as string[]).includes(c) ? ' *' : ''}`).join(', '),
    `${ranked}/${SEEDS.length}`,
  ]);
}
console.log(renderTable(['injected faults', 'top-1 cause (* = injected)', 'both ranked'], comboRows));
console.log(
  `top-1 is an injected fault in ${((100 * comboCorrect) / comboRuns).toFixed(1)} % (${comboCorrect}/${comboRuns}); ` +
    `both faults ranked in ${((100 * bothRanked) / comboRuns).toFixed(1)} %`,
);
