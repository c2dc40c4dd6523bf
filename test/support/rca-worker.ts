/**
 * A worker process for drawn RCA scenarios: runs the seeds given as its argument (comma-separated)
 * and prints one scored run per line as JSON. Started by `runDrawnScenarios`.
 */
import { runDrawnScenario } from './drawn-fault-run.ts';
import { scoreDrawnRun } from './rca-score.ts';

for (const seed of (process.argv[2] ?? '').split(',').filter(Boolean).map(Number)) {
  const scored = scoreDrawnRun(await runDrawnScenario(seed));
  process.stdout.write(`${JSON.stringify(scored)}\n`);
}
