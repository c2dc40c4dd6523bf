import { cause, evidence, ms, type RankedCause } from './cause.ts';
import { stragglerScore, type CauseDetector } from './context.ts';

export const tpStraggler: CauseDetector = {
  causes: ['tp_straggler'],
  signature:
    'one GPU of a tensor-parallel group busier than its siblings (engine-active spread rises): the others idle in every all-reduce',
  detect({ replicas, before, after }) {
    const found: RankedCause[] = [];
    let strongest = 0;
    for (const r of replicas) {
      const score = stragglerScore(r);
      if (score <= strongest || score <= 0.05) continue;
      strongest = score;
      found.push(
        cause(
          'tp_straggler',
          score,
          [
            evidence(`${r.replica}: GPU engine-active spread`, '%', r.gpuSpreadBefore, r.gpuSpreadAfter),
            evidence('time per output token', 'ms', ms(before.tpotUs), ms(after.tpotUs)),
          ],
          { replica: r.replica },
        ),
      );
    }
    return found;
  },
};
