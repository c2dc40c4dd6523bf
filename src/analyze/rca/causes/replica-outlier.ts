import { cause, clamp01, evidence, ms } from './cause.ts';
import type { CauseDetector } from './context.ts';
import type { ReplicaSignal } from '../replica-signals.ts';

/** The mean e2e of a replica's peers, weighted by their requests. */
function peerE2e(replicas: readonly ReplicaSignal[], r: ReplicaSignal): number | null {
  const peers = replicas.filter((p) => p !== r && p.count > 0);
  const n = peers.reduce((s, p) => s + p.count, 0);
  return n > 0 ? peers.reduce((s, p) => s + (p.e2eUs ?? 0) * p.count, 0) / n : null;
}

export const replicaOutlier: CauseDetector = {
  causes: ['replica_outlier'],
  signature: 'one replica much slower than its peers (≥ 1.3× their mean e2e) without a GPU-level explanation',
  detect({ replicas, shared }) {
    return replicas.flatMap((r) => {
      const peers = peerE2e(replicas, r);
      if (r.count < 5 || r.e2eUs === null || peers === null || peers <= 0) return [];
      const score = clamp01((r.e2eUs / peers - 1.3) / 1.5) * (1 - shared.straggler);
      if (score <= 0.05) return [];
      return [
        cause(
          'replica_outlier',
          score,
          [evidence(`${r.replica} vs peers: mean e2e`, 'ms', ms(peers), ms(r.e2eUs))],
          {
            replica: r.replica,
          },
        ),
      ];
    });
  },
};
