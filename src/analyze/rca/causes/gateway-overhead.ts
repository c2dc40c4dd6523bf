import { cause, clamp01, evidence, ms, positive } from './cause.ts';
import type { CauseDetector } from './context.ts';

export const gatewayOverhead: CauseDetector = {
  causes: ['gateway_overhead'],
  signature:
    'the rise in e2e is time outside the engine (gateway, routing, network, streaming out), not its queue, prefill or decode',
  detect({ shared, before, after, sig }) {
    const rise = positive(after.outsideEngineUs, before.outsideEngineUs);
    const share = rise / Math.max(1, rise + shared.engineRiseUs);
    const ratio =
      after.outsideEngineUs !== null && before.outsideEngineUs !== null && before.outsideEngineUs > 0
        ? after.outsideEngineUs / before.outsideEngineUs
        : 1;
    const score = share * clamp01((ratio - 1) / 1) * (1 - shared.kvScore) * sig('outsideEngineUs');
    if (score <= 0.05 || rise < 20_000) return [];
    return [
      cause('gateway_overhead', score, [
        evidence('time outside the engine', 'ms', ms(before.outsideEngineUs), ms(after.outsideEngineUs)),
        evidence('engine queue + prefill + decode', 'ms', ms(before.engineUs), ms(after.engineUs)),
      ]),
    ];
  },
};
