import type { RequestDimension, Store, TimeRange } from '../store/store.ts';

/** One group's latency and errors now against the period before. */
export interface Regression {
  group: string;
  requests: number;
  ttftP99Us: number | null;
  baselineTtftP99Us: number | null;
  e2eP99Us: number | null;
  baselineE2eP99Us: number | null;
  errorRatio: number;
  baselineErrorRatio: number;
  /** The worst of p99 TTFT ratio, p99 e2e ratio and error-ratio increase (in points ×10), for sorting. */
  severity: number;
  /** What got worse, in words. */
  summary: string;
}

const MIN_REQUESTS = 20;

async function windowRows(
  store: Store,
  range: TimeRange,
  by: RequestDimension,
  where: Partial<Record<RequestDimension, readonly string[]>>,
) {
  const rows = await store.aggregateRequests({
    range,
    where,
    groupBy: [by],
    measures: [
      { fn: 'count' },
      { fn: 'count', filter: { status: ['error', 'timeout'] }, as: 'errors' },
      { fn: 'quantile', field: 'ttft_us', q: 0.99 },
      { fn: 'quantile', field: 'e2e_us', q: 0.99 },
    ],
  });
  return new Map(rows.map((r) => [r.group[by] ?? '', r.values]));
}

const ratio = (now: number | null | undefined, before: number | null | undefined) =>
  now != null && before != null && before > 0 ? now / before : 1;

/**
 * Groups (models, by default) whose p99 latency or error ratio got worse in `window` than in
 * `baseline`, worst first. Groups with too few requests in either period are left out: a p99 of
 * a handful of requests is noise.
 */
export async function topRegressions(
  store: Store,
  query: {
    window: TimeRange;
    baseline: TimeRange;
    by: RequestDimension;
    where?: Partial<Record<RequestDimension, readonly string[]>>;
    limit?: number;
  },
): Promise<Regression[]> {
  const [now, before] = await Promise.all([
    windowRows(store, query.window, query.by, query.where ?? {}),
    windowRows(store, query.baseline, query.by, query.where ?? {}),
  ]);
  const out: Regression[] = [];
  for (const [group, v] of now) {
    const b = before.get(group);
    const requests = v.count ?? 0;
    if (!b || requests < MIN_REQUESTS || (b.count ?? 0) < MIN_REQUESTS) continue;
    const errorRatio = (v.errors ?? 0) / requests;
    const baselineErrorRatio = (b.errors ?? 0) / (b.count ?? 1);
    const ttftRatio = ratio(v.p99_ttft_us, b.p99_ttft_us);
    const e2eRatio = ratio(v.p99_e2e_us, b.p99_e2e_us);
    const errorRise = Math.max(0, errorRatio - baselineErrorRatio);
    const severity = Math.max(ttftRatio, e2eRatio, 1 + errorRise * 10);
    if (severity < 1.2) continue;
    const parts = [
      ttftRatio >= 1.2 ? `p99 TTFT ×${ttftRatio.toFixed(1)}` : null,
      e2eRatio >= 1.2 ? `p99 latency ×${e2eRatio.toFixed(1)}` : null,
      errorRise >= 0.02
        ? `errors ${(baselineErrorRatio * 100).toFixed(1)} % → ${(errorRatio * 100).toFixed(1)} %`
        : null,
    ].filter(Boolean);
    out.push({
      group,
      requests,
      ttftP99Us: v.p99_ttft_us ?? null,
      baselineTtftP99Us: b.p99_ttft_us ?? null,
      e2eP99Us: v.p99_e2e_us ?? null,
      baselineE2eP99Us: b.p99_e2e_us ?? null,
      errorRatio,
      baselineErrorRatio,
      severity,
      summary: parts.join(', ') || 'slower',
    });
  }
  return out.sort((a, b) => b.severity - a.severity).slice(0, query.limit ?? 5);
}
