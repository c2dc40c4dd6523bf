import type { Store, TimeRange } from '../../store/store.ts';
import { period, type ChargebackGranularity } from './chargeback.ts';
import type { LEDGER_PARTS } from './ledger/ledger-pricing.ts';
import { LEDGER_GPU_SECONDS_METRIC, LEDGER_USD_METRIC } from './ledger/ledger-pricing.ts';

const DAY_US = 86_400_000_000;

type Part = (typeof LEDGER_PARTS)[number];

/**
 * One period and cluster of the cost ledger: what its GPUs cost while held (the bill) and where
 * it went, each a number, and what the requests stored for it were charged.
 */
export interface ReconciliationLine {
  periodStartUs: number;
  periodEndUs: number;
  cluster: string;
  usd: Record<Part, number>;
  gpuHours: Record<Part, number>;
  /** bill − (usage + under-filled + idle + unattributed): 0 but for rounding. */
  gapUsd: number;
  /** Σ cost of the requests that arrived in the period on the cluster (chargeback's usage rows). */
  requestsUsd: number;
}

const zero = (): Record<Part, number> => ({ bill: 0, usage: 0, underfilled: 0, idle: 0, unattributed: 0 });

/**
 * The reconciliation per period and cluster: the ledger's parts (late corrections included) and
 * the stored requests' cost beside them. Requests count in the period they arrived in, ledger
 * entries at their interval's end, so the two differ by requests that straddle a period's edge
 * (and by the simulator's exactly priced requests, whose price is theirs, not the ledger's).
 */
export async function reconciliation(
  store: Store,
  query: { range: TimeRange; granularity: ChargebackGranularity },
): Promise<ReconciliationLine[]> {
  const ledger = (name: string) =>
    store.queryMetric({
      name,
      range: query.range,
      groupBy: ['cluster'],
      groupByLabels: ['part'],
      stepUs: DAY_US,
      aggregate: 'sum',
    });
  const [usd, gpuSeconds, requests] = await Promise.all([
    ledger(LEDGER_USD_METRIC),
    ledger(LEDGER_GPU_SECONDS_METRIC),
    store.aggregateRequests({
      range: query.range,
      groupBy: ['cluster'],
      bucketUs: DAY_US,
      measures: [{ fn: 'sum', field: 'cost_usd' }],
    }),
  ]);
  const lines = new Map<string, ReconciliationLine>();
  const lineOf = (dayUs: number, cluster: string) => {
    const [periodStartUs, periodEndUs] = period(dayUs, query);
    const key = `${periodStartUs}|${cluster}`;
    let line = lines.get(key);
    if (!line) {
      line = {
        periodStartUs,
        periodEndUs,
        cluster,
        usd: zero(),
        gpuHours: zero(),
        gapUsd: 0,
        requestsUsd: 0,
      };
      lines.set(key, line);
    }
    return line;
  };
  for (const p of usd) {
    const part = p.labels?.part as Part | undefined;
    if (part && part in zero()) lineOf(p.bucketStartUs, p.group.cluster ?? '').usd[part] += p.value;
  }
  for (const p of gpuSeconds) {
    const part = p.labels?.part as Part | undefined;
    if (part && part in zero())
      lineOf(p.bucketStartUs, p.group.cluster ?? '').gpuHours[part] += p.value / 3600;
  }
  for (const r of requests)
    lineOf(r.bucketStartUs ?? 0, r.group.cluster ?? '').requestsUsd += r.values.sum_cost_usd ?? 0;
  for (const line of lines.values()) {
    const { bill, usage, underfilled, idle, unattributed } = line.usd;
    line.gapUsd = bill - (usage + underfilled + idle + unattributed);
  }
  return [...lines.values()].sort(
    (a, b) => a.periodStartUs - b.periodStartUs || a.cluster.localeCompare(b.cluster),
  );
}
