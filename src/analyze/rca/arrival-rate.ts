import type { MetricPoint, RequestFilter, Store, TimeRange } from '../../store/store.ts';

/** The engines' gauges are read over this long before each edge of a range (a few scrapes). */
const EDGE_US = 30e6;
/** Request filters the replicas' gauges can follow: by model, cluster or replica, nothing finer. */
const REPLICA_DIMENSIONS = new Set(['model', 'cluster', 'replica']);

/**
 * The replicas that served the filter's requests in the range. Gauges are selected by replica:
 * an engine's own model label may differ from the name clients ask for (a served-model alias).
 */
async function replicasOf(store: Store, filter: Omit<RequestFilter, 'range'>, range: TimeRange) {
  const rows = await store.aggregateRequests({
    ...filter,
    range,
    timeBy: 'completion',
    groupBy: ['replica'],
    measures: [{ fn: 'count' }],
  });
  return rows.flatMap((r) => (r.group.replica ? [r.group.replica] : []));
}

/** Latest value per replica in the points (llama.cpp's /slots count of running is a duplicate). */
function latestSum(points: readonly MetricPoint[]): number | null {
  const latest = new Map<string, MetricPoint>();
  for (const p of points) {
    if (p.labels?.source === 'slots') continue;
    const key = p.group.replica ?? '';
    if ((latest.get(key)?.bucketStartUs ?? -Infinity) <= p.bucketStartUs) latest.set(key, p);
  }
  if (latest.size === 0) return null;
  return [...latest.values()].reduce((s, p) => s + p.value, 0);
}

/**
 * Requests in flight (running + waiting, from the engines' scraped gauges) at `atUs`; null when
 * no engine reported its running requests just before it.
 */
async function inFlightAt(store: Store, replicas: readonly string[], atUs: number): Promise<number | null> {
  const range = { fromUs: atUs - EDGE_US, toUs: atUs };
  const gauge = (name: string) =>
    store.queryMetric({
      name,
      range,
      where: { replica: replicas },
      groupBy: ['replica'],
      groupByLabels: ['source'],
      stepUs: EDGE_US,
      aggregate: 'last',
    });
  const [running, waiting] = await Promise.all([
    gauge('llm.requests.running'),
    gauge('llm.requests.waiting'),
  ]);
  const runningNow = latestSum(running);
  return runningNow === null ? null : runningNow + (latestSum(waiting) ?? 0);
}

/**
 * Arrivals per second in the range from what the engines saw: the requests that completed in it
 * plus the growth of those in flight. Unlike counting stored requests by arrival, this sees a
 * backlog while it builds (its requests are stored only once they end, minutes later). Null when
 * the filter is finer than a replica (a tenant's share of the gauges is unknown) or the engines
 * report no gauges.
 */
export async function arrivalRateFromEngines(
  store: Store,
  filter: Omit<RequestFilter, 'range'>,
  range: TimeRange,
  completed: number,
): Promise<number | null> {
  const perReplica = Object.keys(filter.where ?? {}).every((k) => REPLICA_DIMENSIONS.has(k));
  if (!perReplica || filter.atLeast || filter.atMost || filter.idPrefix || filter.throughGateway) return null;
  const replicas = await replicasOf(store, filter, range);
  if (replicas.length === 0) return null;
  const [start, end] = await Promise.all([
    inFlightAt(store, replicas, range.fromUs),
    inFlightAt(store, replicas, range.toUs),
  ]);
  if (start === null || end === null) return null;
  return Math.max(0, completed + end - start) / ((range.toUs - range.fromUs) / 1e6);
}
