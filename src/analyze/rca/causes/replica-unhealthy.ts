import { cause, evidence, type RankedCause } from './cause.ts';
import type { CauseDetector } from './context.ts';
import type { ReplicaSignal } from '../replica-signals.ts';

const errorRatio = (rs: readonly ReplicaSignal[]) =>
  rs.reduce((s, r) => s + r.errors, 0) /
  Math.max(
    1,
    rs.reduce((s, r) => s + r.count, 0),
  );

function unhealthy(r: ReplicaSignal, peers: readonly ReplicaSignal[]): RankedCause | null {
  // Half a minute without a completion while its peers complete: with failed requests, a crash
  // or restart the window's totals may hide; without, possibly a slow replica's preemption storm.
  const stalled = r.shareBefore >= 0.15 && r.stallUs >= 30e6 && r.stallUs >= 2 * r.stallBeforeUs;
  const collapsed = r.shareBefore >= 0.15 && r.shareAfter < r.shareBefore * 0.5;
  // Failing more than its peers: errors every replica shares (or a lone replica's) blame none.
  const ownErrors = errorRatio([r]);
  const failing =
    r.errors >= 3 && ownErrors > 0.05 && peers.some((p) => p.count > 0) && ownErrors > 2 * errorRatio(peers);
  const score =
    (collapsed || stalled) && failing
      ? 0.95
      : collapsed || failing || (stalled && r.errors > 0)
        ? 0.7
        : stalled
          ? 0.4
          : 0;
  if (score === 0) return null;
  const stall = evidence(
    `${r.replica}: longest stretch without a completion`,
    's',
    r.stallBeforeUs / 1e6,
    r.stallUs / 1e6,
  );
  return cause(
    'replica_unhealthy',
    score,
    [
      evidence(`${r.replica}: share of requests`, '%', r.shareBefore, r.shareAfter),
      evidence(`${r.replica}: errors`, '', null, r.errors),
      ...(stalled ? [stall] : []),
    ],
    { replica: r.replica },
  );
}

export const replicaUnhealthy: CauseDetector = {
  causes: ['replica_unhealthy'],
  signature:
    'a replica stops completing requests while its peers go on, loses its share of traffic, or fails more of its requests than they do (crash, restart, failing health)',
  detect({ replicas }) {
    return replicas.flatMap(
      (r) =>
        unhealthy(
          r,
          replicas.filter((p) => p !== r),
        ) ?? [],
    );
  },
};
