import { cause, clamp01, evidence, ms } from './cause.ts';
import type { CauseDetector } from './context.ts';

export const queueSaturation: CauseDetector = {
  causes: ['queue_saturation'],
  signature:
    'more arrivals of the same kind: the batch swells (every step slows), then the queue grows and carries the rise',
  detect({ shared, before, after, sig }) {
    const { phases, load } = shared;
    const queueing = phases ? phases.queue * clamp01((shared.queueRatio - 1) / 3) * sig('queueUs') : 0;
    const swelling = phases ? load * (phases.queue + phases.decode) : 0;
    if (queueing <= 0.05 && swelling <= 0.05) return [];
    const score = Math.max(queueing, swelling) * (1 - 0.5 * shared.kvScore * shared.kvWeight);
    return [
      cause('queue_saturation', score, [
        evidence('queue time', 'ms', ms(before.queueUs), ms(after.queueUs)),
        evidence('arrival rate', 'req/s', before.ratePerSecond, after.ratePerSecond),
      ]),
    ];
  },
};
