import { cause, clamp01, evidence } from './cause.ts';
import type { CauseDetector } from './context.ts';

export const errorSpike: CauseDetector = {
  causes: ['error_spike'],
  signature: 'more requests fail, with no replica to blame',
  detect({ before, after, sig }) {
    const rise = after.errorRatio - before.errorRatio;
    if (rise <= 0.01) return [];
    return [
      cause('error_spike', clamp01(rise / 0.2) * 0.6 * sig('errorRatio'), [
        evidence('error ratio', '%', before.errorRatio, after.errorRatio),
      ]),
    ];
  },
};
