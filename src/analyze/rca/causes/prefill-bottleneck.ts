import { cause, clamp01, evidence, ms } from './cause.ts';
import type { CauseDetector } from './context.ts';

export const prefillBottleneck: CauseDetector = {
  causes: ['prefill_bottleneck'],
  signature: 'longer prompts at the same rate: prefill grows, and the queue it builds',
  detect({ shared, before, after, sig }) {
    const { phases, promptRatio } = shared;
    const share = phases ? phases.prefill + phases.queue * (1 - shared.load) : 0;
    if (!phases || share <= 0.3 || promptRatio <= 1.2) return [];
    const score = share * clamp01((promptRatio - 1) / 1) * (1 - shared.kvScore) * sig('promptTokens');
    return [
      cause('prefill_bottleneck', score, [
        evidence('prompt tokens per request', '', before.promptTokens, after.promptTokens),
        evidence('prefill time', 'ms', ms(before.prefillUs), ms(after.prefillUs)),
      ]),
    ];
  },
};
