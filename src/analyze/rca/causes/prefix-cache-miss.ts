import { cause, clamp01, evidence, ms } from './cause.ts';
import type { CauseDetector } from './context.ts';
import type { WindowStats } from '../window-stats.ts';

const cachedPerRequest = (w: WindowStats) => (w.cachedShare ?? 0) * (w.promptTokens ?? 0);

export const prefixCacheMiss: CauseDetector = {
  causes: ['prefix_cache_miss'],
  signature:
    'less of the prompt served from the prefix cache, usually a tenant whose long unique prompts grew and evict the others’ prefixes',
  detect({ shared, before, after, tenant, sig }) {
    // Longer prompts on the same prefixes lower the cached share too, but not the cached tokens
    // per request; and heavier requests without such a tenant evict prefixes as a symptom of KV
    // pressure. A tenant whose uncached prompts grew is the clear case.
    const missed = tenant
      ? 1
      : (cachedPerRequest(after) < 0.85 * cachedPerRequest(before) ? 0.5 : 0.2) * (1 - shared.heavier);
    const drop = ((before.cachedShare ?? 0) - (after.cachedShare ?? 0)) * sig('cachedShare') * missed;
    if (drop <= 0.03) return [];
    return [
      cause(
        'prefix_cache_miss',
        clamp01(drop / 0.15),
        [
          evidence('prefix-cache hit share', '%', before.cachedShare, after.cachedShare),
          evidence('prefill time', 'ms', ms(before.prefillUs), ms(after.prefillUs)),
          ...(tenant
            ? [evidence(`tenant ${tenant.tenant}: share of prompt tokens`, '%', null, tenant.promptShare)]
            : []),
        ],
        tenant ? { tenant: tenant.tenant } : {},
      ),
    ];
  },
};
