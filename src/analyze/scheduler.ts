import type { InferenceRequest } from '../model/request.ts';
import type { Store, TimeRange } from '../store/store.ts';

export interface SchedulerPoint {
  startUs: number;
  /** Requests that arrived and completed in the step (stored requests). */
  arrivals: number;
  completions: number;
  /** Mean waiting and running sequences over the replicas' scraped gauges; null when not scraped. */
  waiting: number | null;
  running: number | null;
  /** Mean tokens per engine step (the engines' batch-tokens histogram: Δsum ÷ Δcount); null when not exported. */
  tokensPerStep: number | null;
  /** Mean running sequences ÷ max_num_seqs, when the caller says what max_num_seqs is. */
  batchUtilization: number | null;
}

export interface TenantFairness {
  tenant: string;
  /** Share of the tokens asked for (prompt + output of its requests). */
  demandShare: number;
  /** Share of the GPU cost attributed to its requests (what it got of the capacity). */
  capacityShare: number;
  p95QueueUs: number | null;
}

export interface SchedulerReport {
  range: TimeRange;
  stepUs: number;
  series: SchedulerPoint[];
  /** Steps where the backlog (arrivals − completions) grew, in runs of at least three. */
  saturatedSteps: number[];
  /** Requests that waited at least `thresholdUs` for the engine (1 s unless asked): the longest first (at most 10). */
  starved: {
    count: number;
    thresholdUs: number;
    examples: Pick<InferenceRequest, 'requestId' | 'tenant' | 'replica' | 'queueUs'>[];
  };
  tenants: TenantFairness[];
  /** Jain's index over capacity ÷ demand per tenant: 1 when every tenant gets its share. */
  fairnessIndex: number | null;
}

/**
 * The scheduler's view over a range, for a model (or all): backlog growth against drain, the
 * engines' waiting and running gauges, requests starved in the queue, and per-tenant fairness —
 * the share of capacity each tenant got (attributed GPU cost) against the share it asked for.
 */
export async function schedulerReport(
  store: Store,
  query: { range: TimeRange; stepUs: number; model?: string; maxNumSeqs?: number; starvedAfterUs?: number },
): Promise<SchedulerReport> {
  const where = query.model ? { model: [query.model] } : {};
  const { range, stepUs } = query;
  const buckets = (timeBy: 'arrival' | 'completion') =>
    store.aggregateRequests({
      range,
      where,
      timeBy,
      groupBy: [],
      bucketUs: stepUs,
      measures: [{ fn: 'count' }],
    });
  const gauge = (name: string) =>
    store.queryMetric({
      name,
      range,
      ...(query.model ? { where: { model: [query.model] } } : {}),
      stepUs,
      aggregate: 'avg',
    });
  // Counters are stored as increases per scrape, so a bucket's sum is its increase.
  const batchTokens = (stat: 'sum' | 'count') =>
    store.queryMetric({
      name: 'llm.batch.tokens',
      range,
      ...(query.model ? { where: { model: [query.model] } } : {}),
      labels: { stat },
      stepUs,
      aggregate: 'sum',
    });
  const [arrived, completed, waiting, running, tenants, tokenSum, stepCount] = await Promise.all([
    buckets('arrival'),
    buckets('completion'),
    gauge('llm.requests.waiting'),
    gauge('llm.requests.running'),
    store.aggregateRequests({
      range,
      where,
      groupBy: ['tenant'],
      measures: [
        { fn: 'sum', field: 'prompt_tokens' },
        { fn: 'sum', field: 'output_tokens' },
        { fn: 'sum', field: 'cost_usd' },
        { fn: 'quantile', field: 'queue_us', q: 0.95 },
      ],
    }),
    batchTokens('sum'),
    batchTokens('count'),
  ]);
  const first = Math.floor(range.fromUs / stepUs) * stepUs;
  const series: SchedulerPoint[] = [];
  for (let t = first; t < range.toUs; t += stepUs) {
    const at = (rows: typeof arrived) => rows.find((r) => r.bucketStartUs === t)?.values.count ?? 0;
    const mean = (points: typeof waiting) => {
      const here = points.filter((p) => p.bucketStartUs === t);
      return here.length > 0 ? here.reduce((s, p) => s + p.value, 0) : null;
    };
    const tokens = mean(tokenSum);
    const steps = mean(stepCount);
    const runningNow = mean(running);
    series.push({
      startUs: t,
      arrivals: at(arrived),
      completions: at(completed),
      waiting: mean(waiting),
      running: runningNow,
      tokensPerStep: tokens !== null && steps !== null && steps > 0 ? tokens / steps : null,
      batchUtilization:
        query.maxNumSeqs !== undefined && runningNow !== null ? runningNow / query.maxNumSeqs : null,
    });
  }
  const saturatedSteps: number[] = [];
  let run: number[] = [];
  for (const p of series) {
    if (p.arrivals > p.completions) run.push(p.startUs);
    else {
      if (run.length >= 3) saturatedSteps.push(...run);
      run = [];
    }
  }
  if (run.length >= 3) saturatedSteps.push(...run);

  // A fixed wait, not one relative to the median: under a load spike every request waits, and
  // each of them is starved for the user who sent it.
  const thresholdUs = query.starvedAfterUs ?? 1_000_000;
  const longest = await store.searchRequests({
    range,
    where,
    atLeast: { queue_us: thresholdUs },
    orderBy: 'queue_us',
    direction: 'desc',
    limit: 10_000,
  });
  const demand = tenants.map((t) => (t.values.sum_prompt_tokens ?? 0) + (t.values.sum_output_tokens ?? 0));
  const capacity = tenants.map((t) => t.values.sum_cost_usd ?? 0);
  const totalDemand = demand.reduce((a, b) => a + b, 0);
  const totalCapacity = capacity.reduce((a, b) => a + b, 0);
  const fairness = tenants.map((t, i): TenantFairness => ({
    tenant: t.group.tenant ?? '',
    demandShare: totalDemand > 0 ? (demand[i] as number) / totalDemand : 0,
    capacityShare: totalCapacity > 0 ? (capacity[i] as number) / totalCapacity : 0,
    p95QueueUs: t.values.p95_queue_us ?? null,
  }));
  const ratios = fairness.filter((f) => f.demandShare > 0).map((f) => f.capacityShare / f.demandShare);
  const sum = ratios.reduce((a, b) => a + b, 0);
  const squares = ratios.reduce((a, b) => a + b * b, 0);
  return {
    range,
    stepUs,
    series,
    saturatedSteps,
    starved: {
      count: longest.length,
      thresholdUs,
      examples: longest
        .slice(0, 10)
        .map((r) => ({ requestId: r.requestId, tenant: r.tenant, replica: r.replica, queueUs: r.queueUs })),
    },
    tenants: fairness.sort((a, b) => b.demandShare - a.demandShare),
    fairnessIndex: ratios.length > 0 && squares > 0 ? (sum * sum) / (ratios.length * squares) : null,
  };
}
