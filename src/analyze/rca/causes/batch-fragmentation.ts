import { cause, clamp01, evidence } from './cause.ts';
import type { CauseDetector } from './context.ts';

export const batchFragmentation: CauseDetector = {
  causes: ['batch_fragmentation'],
  signature: 'many more requests, each far smaller: steps full of overhead, little useful work',
  detect({ shared, before, after, sig }) {
    const score =
      clamp01((shared.rateRatio - 1) / 3) *
      clamp01((1 - shared.tokensRatio) / 0.7) *
      Math.min(sig('ratePerSecond'), sig('tokensPerRequest'));
    if (score <= 0.05) return [];
    return [
      cause('batch_fragmentation', score, [
        evidence('arrival rate', 'req/s', before.ratePerSecond, after.ratePerSecond),
        evidence('tokens per request', '', before.tokensPerRequest, after.tokensPerRequest),
      ]),
    ];
  },
};
