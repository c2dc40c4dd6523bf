import type { Store, TimeRange } from '../store/store.ts';

/**
 * Each replica's GPUs' mean DCGM engine-active ratio over a range (one value per GPU, by the
 * `gpu` label). A tensor-parallel group moves in lockstep, so a spread between its GPUs is time
 * the faster ones spent waiting for the slowest in the all-reduce.
 */
export async function engineActiveByGpu(
  store: Store,
  replicas: readonly string[],
  range: TimeRange,
): Promise<Map<string, number[]>> {
  const points = await store.queryMetric({
    name: 'gpu.engine_active',
    range,
    where: { replica: replicas },
    groupBy: ['replica'],
    groupByLabels: ['gpu'],
    stepUs: Math.max(1, range.toUs - range.fromUs),
    aggregate: 'avg',
  });
  const byReplica = new Map<string, number[]>();
  for (const p of points) {
    const replica = p.group.replica ?? '';
    byReplica.set(replica, [...(byReplica.get(replica) ?? []), p.value]);
  }
  return byReplica;
}
