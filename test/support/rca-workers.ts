import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import type { ScoredRun } from './rca-score.ts';

const WORKER = fileURLToPath(new URL('./rca-worker.ts', import.meta.url));

/**
 * Runs drawn scenarios `first … first + count − 1` in `jobs` worker processes (each scenario is
 * CPU-bound simulation); calls `onRun` as each finishes and returns them all, by seed.
 */
export async function runDrawnScenarios(
  first: number,
  count: number,
  jobs: number,
  onRun: (run: ScoredRun) => void = () => {},
): Promise<ScoredRun[]> {
  const runs: ScoredRun[] = [];
  const seeds = Array.from({ length: count }, (_, i) => first + i);
  const worker = (mine: number[]) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, mine.join(',')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      const run = JSON.parse(line) as ScoredRun;
      runs.push(run);
      onRun(run);
    });
    return new Promise<void>((resolve, reject) =>
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`RCA worker exited ${code}`)))),
    );
  };
  await Promise.all(Array.from({ length: jobs }, (_, j) => worker(seeds.filter((_, i) => i % jobs === j))));
  return runs.sort((a, b) => a.seed - b.seed);
}
