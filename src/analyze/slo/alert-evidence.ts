import type { Store, TimeRange } from '../../store/store.ts';
import { compareWindows, type PhaseShares, type RankedCause } from '../rca/compare-windows.ts';
import { pickComparisonWindows } from '../rca/comparison-windows.ts';
import type { EventSeries } from './burn-rate.ts';
import { sloBadSpend, sloBandEvents, sloMeasures, sloRequestFilter, sloSpendMeasures } from './events.ts';
import type { BurnRateAlert, SloSpec } from './spec.ts';

export interface BandEvidence {
  band: string;
  bad: number;
  total: number;
  errorRatio: number;
}

export interface ReplicaEvidence extends BandEvidence {
  replica: string;
  /** This replica's share of all the SLO's bad events in the window. */
  shareOfBad: number;
}

/**
 * What an SLO's burn cost, over the alert's long window:
 *  - badEventSpendUsd: spend on the requests that broke the SLO (paid for, not delivered as promised;
 *    for availability SLOs, the failed requests);
 *  - retrySpendUsd: retried attempts × the window's mean cost per request (estimated);
 *  - extraGpuSpendUsd: the rise in cost per request against the baseline × requests (slower steps
 *    cost more GPU time per request); 0 when it did not rise.
 */
export interface DollarImpact {
  windowUs: number;
  badEventSpendUsd: number;
  retrySpendUsd: number;
  extraGpuSpendUsd: number;
  totalUsd: number;
  perHourUsd: number;
}

export interface AlertReport {
  window: TimeRange;
  baseline: TimeRange;
  /** Bands by bad events, worst first (one `all` band for TPOT and availability). */
  bands: BandEvidence[];
  /** Replicas by bad events, worst first (at most 5). */
  replicas: ReplicaEvidence[];
  /** How the latency increase splits between queue, prefill and decode; null when it did not rise. */
  phases: PhaseShares | null;
  /** The analysis' cause when it names one (compare-windows.ts: verdict); null when inconclusive. */
  rootCause: RankedCause | null;
  otherCauses: RankedCause[];
  impact: DollarImpact;
  /**
   * Changes proposed for this alert's workloads (recommendations.manifests_dir): waiting for a
   * person to preview, apply or dismiss them. Absent when no proposer is configured.
   */
  proposals?: { id: string; title: string }[];
}

const errorRatio = (bad: number, total: number) => (total > 0 ? bad / total : 0);

/**
 * Gathers why an alert fires at `atUs`: the long window's bands and replicas, the comparison of the
 * short window against the period before the long window (the healthy baseline; the older part of
 * the long window when nothing was stored before it), and the dollar impact.
 */
export async function explainAlert(
  store: Store,
  spec: SloSpec,
  alert: BurnRateAlert,
  series: EventSeries,
  atUs: number,
): Promise<AlertReport> {
  const longWindow = { fromUs: atUs - alert.longUs, toUs: atUs };
  const filter = sloRequestFilter(spec, longWindow);

  const bands = series
    .window(atUs, alert.longUs)
    .map(({ band, good, total }) => ({
      band,
      bad: total - good,
      total,
      errorRatio: errorRatio(total - good, total),
    }))
    .sort((a, b) => b.bad - a.bad);
  const totalBad = bands.reduce((sum, b) => sum + b.bad, 0);

  const replicaRows = await store.aggregateRequests({
    ...filter,
    groupBy: ['replica'],
    measures: sloMeasures(spec),
  });
  const replicas = replicaRows
    .map((row) => {
      const events = sloBandEvents(spec, row);
      const total = events.reduce((sum, e) => sum + e.total, 0);
      const bad = total - events.reduce((sum, e) => sum + e.good, 0);
      return {
        replica: row.group.replica ?? '',
        band: 'all',
        bad,
        total,
        errorRatio: errorRatio(bad, total),
        shareOfBad: totalBad > 0 ? bad / totalBad : 0,
      };
    })
    .filter((r) => r.bad > 0)
    .sort((a, b) => b.bad - a.bad)
    .slice(0, 5);

  const { window: compared, baseline } = await pickComparisonWindows(store, filter, alert, atUs);
  const comparison = await compareWindows(store, { where: filter.where ?? {} }, compared, baseline);

  const impact = await dollarImpact(store, spec, longWindow, baseline);
  const verdict = comparison.verdict;
  const rootCause = verdict.kind === 'cause' ? verdict.cause : null;
  return {
    window: longWindow,
    baseline,
    bands,
    replicas,
    phases: comparison.phases,
    rootCause,
    otherCauses: comparison.causes.filter((c) => c !== rootCause).slice(0, 3),
    impact,
  };
}

async function dollarImpact(
  store: Store,
  spec: SloSpec,
  window: TimeRange,
  baseline: TimeRange,
): Promise<DollarImpact> {
  const measures = [
    ...sloSpendMeasures(spec),
    { fn: 'count' as const },
    { fn: 'sum' as const, field: 'cost_usd' as const },
    { fn: 'sum' as const, field: 'retries' as const },
  ];
  const [now] = await store.aggregateRequests({ ...sloRequestFilter(spec, window), groupBy: [], measures });
  const [then] = await store.aggregateRequests({
    ...sloRequestFilter(spec, baseline),
    groupBy: [],
    measures: [{ fn: 'count' }, { fn: 'sum', field: 'cost_usd' }],
  });
  const count = now?.values.count ?? 0;
  const perRequest = count > 0 ? (now?.values.sum_cost_usd ?? 0) / count : 0;
  const baselineCount = then?.values.count ?? 0;
  const baselinePerRequest =
    baselineCount > 0 ? (then?.values.sum_cost_usd ?? 0) / baselineCount : perRequest;
  const badEventSpendUsd = Math.max(0, sloBadSpend(spec, now));
  const retrySpendUsd = (now?.values.sum_retries ?? 0) * perRequest;
  const extraGpuSpendUsd = Math.max(0, perRequest - baselinePerRequest) * count;
  const totalUsd = badEventSpendUsd + retrySpendUsd + extraGpuSpendUsd;
  const windowUs = window.toUs - window.fromUs;
  return {
    windowUs,
    badEventSpendUsd,
    retrySpendUsd,
    extraGpuSpendUsd,
    totalUsd,
    perHourUsd: (totalUsd * 3600e6) / windowUs,
  };
}
