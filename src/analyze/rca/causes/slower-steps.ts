import { cause, clamp01, evidence, ms } from './cause.ts';
import type { CauseDetector } from './context.ts';

export const slowerSteps: CauseDetector = {
  causes: ['interconnect_slowdown', 'decode_bottleneck'],
  signature:
    'every decode step slower (time per output token up) without more arrivals, heavier requests or a straggler GPU: on tensor-parallel replicas the all-reduces (NCCL over NVLink), on single-GPU ones the decode itself',
  detect({ shared, replicas, before, after, sig }) {
    const { phases } = shared;
    const score = phases
      ? phases.decode *
        clamp01((shared.tpotRatio - 1) / 0.6) *
        (1 - Math.max(shared.load, shared.moreArrivals, shared.heavier)) *
        (1 - shared.straggler) *
        sig('tpotUs')
      : 0;
    if (score <= 0.05) return [];
    const tensorParallel = replicas.some((r) => r.gpuCount > 1);
    return [
      cause(tensorParallel ? 'interconnect_slowdown' : 'decode_bottleneck', score * (1 - shared.kvScore), [
        evidence('time per output token', 'ms', ms(before.tpotUs), ms(after.tpotUs)),
        evidence('arrival rate', 'req/s', before.ratePerSecond, after.ratePerSecond),
      ]),
    ];
  },
};
