import type { Store, TimeRange } from '../store/store.ts';

export interface ReplicaHealth {
  replica: string;
  /** 0–1: 1 healthy and idle-ish; errors, a long queue or a full KV cache lower it. */
  score: number;
  waiting: number | null;
  kvUsage: number | null;
  errorRatio: number;
}

export interface ScalingSignal {
  model: string;
  replicas: number;
  /** The replica count to move to; equal to `replicas` when nothing should change. */
  desired: number;
  action: 'scale_up' | 'scale_down' | 'hold';
  reasons: string[];
  /** The healthiest replica: where the next request should go. */
  routeNext: string | null;
  health: ReplicaHealth[];
}

export interface ScalingPolicy {
  /** Mean waiting requests per replica above which it scales up. */
  maxWaitingPerReplica: number;
  /** KV usage above which (with preemptions) it scales up. */
  maxKvUsage: number;
  /** Scale down only when every minute of this window was quiet (HPA's stabilization idea). */
  scaleDownStabilizationUs: number;
  minReplicas: number;
  maxReplicas: number;
}

export const DEFAULT_SCALING_POLICY: ScalingPolicy = {
  maxWaitingPerReplica: 2,
  maxKvUsage: 0.9,
  scaleDownStabilizationUs: 15 * 60e6,
  minReplicas: 1,
  maxReplicas: 64,
};

const MINUTE_US = 60e6;

/**
 * A scaling recommendation for one model from its engines' own signals, in the spirit of an HPA
 * with stabilization: scale up when the queue per replica stays above the limit for the last 3
 * minutes, or the KV cache is full and preempting; scale down by one only when the whole
 * stabilization window was quiet (empty queue, KV under half, TTFT p95 not rising). Also each
 * replica's health score and the replica to route the next request to.
 */
export async function scalingSignal(
  store: Store,
  model: string,
  nowUs: number,
  policy: ScalingPolicy = DEFAULT_SCALING_POLICY,
): Promise<ScalingSignal> {
  const window: TimeRange = { fromUs: nowUs - policy.scaleDownStabilizationUs, toUs: nowUs };
  const recent: TimeRange = { fromUs: nowUs - 3 * MINUTE_US, toUs: nowUs };
  const perMinute = (name: string, aggregate: 'avg' | 'max' | 'sum', range: TimeRange) =>
    store.queryMetric({
      name,
      range,
      where: { model: [model] },
      groupBy: ['replica'],
      stepUs: MINUTE_US,
      aggregate,
    });
  const [waiting, kv, preemptions, errors] = await Promise.all([
    perMinute('llm.requests.waiting', 'avg', window),
    perMinute('llm.kv_cache.usage', 'max', window),
    perMinute('llm.preemptions', 'sum', recent),
    store.aggregateRequests({
      range: recent,
      where: { model: [model] },
      groupBy: ['replica'],
      measures: [{ fn: 'count' }, { fn: 'count', filter: { status: ['error', 'timeout'] }, as: 'errors' }],
    }),
  ]);
  const replicaNames = [...new Set([...waiting, ...kv].map((p) => p.group.replica ?? ''))].sort();
  const replicas = replicaNames.length;
  const minutes = (points: typeof waiting) => {
    const byMinute = new Map<number, number[]>();
    for (const p of points)
      byMinute.set(p.bucketStartUs, [...(byMinute.get(p.bucketStartUs) ?? []), p.value]);
    return [...byMinute]
      .sort((a, b) => a[0] - b[0])
      .map(([t, v]) => ({ t, mean: v.reduce((a, b) => a + b, 0) / v.length, max: Math.max(...v) }));
  };
  const waitingMinutes = minutes(waiting);
  const kvMinutes = minutes(kv);
  const lastThree = waitingMinutes.filter((m) => m.t >= recent.fromUs);
  const reasons: string[] = [];
  let desired = replicas;
  const queued = lastThree.length >= 3 && lastThree.every((m) => m.mean > policy.maxWaitingPerReplica);
  const preempting = preemptions.reduce((s, p) => s + p.value, 0) > 0;
  const kvFull = kvMinutes.filter((m) => m.t >= recent.fromUs).some((m) => m.max >= policy.maxKvUsage);
  if (queued) {
    const load = (lastThree.at(-1)?.mean ?? 0) / policy.maxWaitingPerReplica;
    desired = Math.max(desired + 1, Math.ceil(replicas * Math.min(2, load)));
    reasons.push(
      `queue above ${policy.maxWaitingPerReplica} per replica for 3 minutes (now ${lastThree.at(-1)?.mean.toFixed(1)})`,
    );
  }
  if (kvFull && preempting) {
    desired = Math.max(desired, replicas + 1);
    reasons.push(`KV cache ≥ ${Math.round(policy.maxKvUsage * 100)} % and preempting`);
  }
  const coversWindow = waitingMinutes.length >= policy.scaleDownStabilizationUs / MINUTE_US - 1;
  const quiet =
    coversWindow &&
    waitingMinutes.every((m) => m.max < 0.5) &&
    kvMinutes.every((m) => m.max < 0.5) &&
    !preempting;
  if (desired === replicas && quiet && replicas > policy.minReplicas) {
    desired = replicas - 1;
    reasons.push(
      `quiet for ${policy.scaleDownStabilizationUs / MINUTE_US} minutes: no queue, KV cache under 50 %`,
    );
  }
  desired = Math.min(policy.maxReplicas, Math.max(policy.minReplicas, desired));

  const latest = (points: typeof waiting, replica: string) =>
    points.filter((p) => p.group.replica === replica).sort((a, b) => b.bucketStartUs - a.bucketStartUs)[0]
      ?.value ?? null;
  const health = replicaNames.map((replica): ReplicaHealth => {
    const w = latest(waiting, replica);
    const k = latest(kv, replica);
    const row = errors.find((r) => r.group.replica === replica);
    const errorRatio =
      row && (row.values.count ?? 0) > 0 ? (row.values.errors ?? 0) / (row.values.count ?? 1) : 0;
    const score =
      Math.max(0, 1 - errorRatio * 5) *
      (w === null ? 0.8 : 1 / (1 + w / policy.maxWaitingPerReplica)) *
      (k === null ? 1 : 1 - Math.max(0, k - 0.7));
    return { replica, score, waiting: w, kvUsage: k, errorRatio };
  });
  const best = [...health].sort((a, b) => b.score - a.score)[0];
  return {
    model,
    replicas,
    desired,
    action: desired > replicas ? 'scale_up' : desired < replicas ? 'scale_down' : 'hold',
    reasons,
    routeNext: best?.replica ?? null,
    health,
  };
}
