import { cause, evidence } from './cause.ts';
import type { CauseDetector } from './context.ts';

export const kvPressure: CauseDetector = {
  causes: ['kv_pressure'],
  signature:
    'requests carry more tokens and KV-cache usage climbs; once the cache is full, sequences are preempted',
  detect({ shared, before, after, kvBefore, kvAfter }) {
    if (shared.kvScore <= 0.05) return [];
    return [
      cause('kv_pressure', shared.kvScore * shared.kvWeight, [
        evidence('KV-cache usage', '%', kvBefore.kvUsage, kvAfter.kvUsage),
        evidence('preemptions', '', kvBefore.preemptions, kvAfter.preemptions),
        evidence('tokens per request', '', before.tokensPerRequest, after.tokensPerRequest),
      ]),
    ];
  },
};
