import type { RequestDimension, Store, TimeRange } from '../../store/store.ts';
import { measureKey, type Measure } from '../../store/store.ts';
import { IDLE_COST_METRIC } from './time-share-estimate.ts';

const DAY_US = 86_400_000_000;

export const CHARGEBACK_DIMENSIONS = ['team', 'tenant', 'cluster', 'workload', 'model', 'namespace'] as const;
export type ChargebackDimension = (typeof CHARGEBACK_DIMENSIONS)[number];
export type ChargebackGranularity = 'day' | 'month' | 'total';

export interface ChargebackQuery {
  range: TimeRange;
  by: readonly ChargebackDimension[];
  granularity: ChargebackGranularity;
  /** Add idle GPU cost rows (per cluster and model) from the stored `llm.gpu.idle_cost`. Default true. */
  includeIdle?: boolean;
}

/** Idle GPU cost belongs to no team: its rows carry this in every dimension it cannot know. */
export const IDLE_GROUP = '(idle)';

export interface ChargebackRow {
  /** usage: requests' cost; idle: GPU time with no request running (never spread into teams). */
  kind: 'usage' | 'idle';
  group: Partial<Record<ChargebackDimension, string>>;
  /** Charge period [startUs, endUs), clipped to the query range. */
  periodStartUs: number;
  periodEndUs: number;
  requests: number;
  /** Requests with no price (collected without a known GPU price); their tokens are still counted. */
  unpricedRequests: number;
  promptTokens: number;
  cachedPromptTokens: number;
  outputTokens: number;
  costUsd: number;
  /** Cost per 1k tokens (input + output); null when no tokens. */
  usdPer1kTokens: number | null;
}

export interface ChargebackReport {
  range: TimeRange;
  by: readonly ChargebackDimension[];
  granularity: ChargebackGranularity;
  rows: ChargebackRow[];
  /** Usage rows summed (requests, tokens, cost of requests). */
  totals: Omit<ChargebackRow, 'kind' | 'group' | 'periodStartUs' | 'periodEndUs'>;
  /** Idle GPU cost in the range, kept apart from usage. */
  idleCostUsd: number;
}

const MEASURES: readonly Measure[] = [
  { fn: 'count' },
  { fn: 'sum', field: 'cost_usd' },
  { fn: 'sum', field: 'prompt_tokens' },
  { fn: 'sum', field: 'cached_prompt_tokens' },
  { fn: 'sum', field: 'output_tokens' },
  { fn: 'max', field: 'cost_usd' },
];

/**
 * Cost by team (or any of the chargeback dimensions) per UTC day or calendar month.
 * Built on the store's day-bucketed aggregation so it runs the same on DuckDB and ClickHouse;
 * months are summed from days here because a month is not a fixed bucket width.
 */
export async function chargebackReport(store: Store, query: ChargebackQuery): Promise<ChargebackReport> {
  if (query.by.length === 0) throw new RangeError('chargeback needs at least one --by dimension');
  if (query.range.toUs <= query.range.fromUs)
    throw new RangeError('chargeback range is empty: --to must be after --from');
  const groupBy = query.by as readonly RequestDimension[];
  const [daily, priced] = await Promise.all([
    store.aggregateRequests({ range: query.range, groupBy, bucketUs: DAY_US, measures: MEASURES }),
    // Priced requests only: count of those with cost_usd ≥ 0 gives the unpriced remainder.
    store.aggregateRequests({
      range: query.range,
      groupBy,
      bucketUs: DAY_US,
      atLeast: { cost_usd: 0 },
      measures: [{ fn: 'count' }],
    }),
  ]);
  const pricedCount = new Map(
    priced.map((row) => [rowKey(row.group, row.bucketStartUs ?? 0), row.values.count ?? 0]),
  );
  const merged = new Map<string, ChargebackRow>();
  for (const row of daily) {
    const dayStart = row.bucketStartUs ?? 0;
    const [periodStartUs, periodEndUs] = period(dayStart, query);
    const group = pick(row.group, query.by);
    const key = rowKey(group, periodStartUs);
    const target = merged.get(key) ?? emptyRow(group, periodStartUs, periodEndUs);
    const requests = row.values[measureKey({ fn: 'count' })] ?? 0;
    target.requests += requests;
    target.unpricedRequests += requests - (pricedCount.get(rowKey(row.group, dayStart)) ?? 0);
    target.costUsd += row.values.sum_cost_usd ?? 0;
    target.promptTokens += row.values.sum_prompt_tokens ?? 0;
    target.cachedPromptTokens += row.values.sum_cached_prompt_tokens ?? 0;
    target.outputTokens += row.values.sum_output_tokens ?? 0;
    merged.set(key, target);
  }
  const usage = [...merged.values()].map(withUnitCost);
  const idle = query.includeIdle === false ? [] : await idleRows(store, query);
  const totals = withUnitCost(
    usage.reduce((sum, row) => addInto(sum, row), emptyRow({}, query.range.fromUs, query.range.toUs)),
  );
  const { kind: _kind, group: _group, periodStartUs: _s, periodEndUs: _e, ...totalValues } = totals;
  return {
    range: query.range,
    by: query.by,
    granularity: query.granularity,
    rows: [...usage, ...idle].sort(compareRows(query.by)),
    totals: totalValues,
    idleCostUsd: idle.reduce((sum, row) => sum + row.costUsd, 0),
  };
}

/** Idle cost per cluster and model (the dimensions a replica has), in the report's periods. */
async function idleRows(store: Store, query: ChargebackQuery): Promise<ChargebackRow[]> {
  const points = await store.queryMetric({
    name: IDLE_COST_METRIC,
    range: query.range,
    groupBy: ['cluster', 'model'],
    stepUs: DAY_US,
    aggregate: 'sum',
  });
  const rows = new Map<string, ChargebackRow>();
  for (const point of points) {
    const [periodStartUs, periodEndUs] = period(point.bucketStartUs, query);
    const group = Object.fromEntries(
      query.by.map((d) => [d, d === 'cluster' || d === 'model' ? (point.group[d] ?? '') : IDLE_GROUP]),
    ) as Partial<Record<ChargebackDimension, string>>;
    const key = rowKey(group, periodStartUs);
    const row = rows.get(key) ?? { ...emptyRow(group, periodStartUs, periodEndUs), kind: 'idle' as const };
    row.costUsd += point.value;
    rows.set(key, row);
  }
  return [...rows.values()];
}

/** A calendar period as a time range: "2026-11" (month), "2026-Q4" (quarter), "2026" (year). */
export function calendarPeriod(text: string): TimeRange {
  const month = /^(\d{4})-(\d{2})$/.exec(text);
  if (month) {
    const [y, m] = [Number(month[1]), Number(month[2])];
    if (m < 1 || m > 12) throw new RangeError(`invalid month in period "${text}"`);
    return { fromUs: Date.UTC(y, m - 1, 1) * 1000, toUs: Date.UTC(y, m, 1) * 1000 };
  }
  const quarter = /^(\d{4})-Q([1-4])$/i.exec(text);
  if (quarter) {
    const [y, q] = [Number(quarter[1]), Number(quarter[2])];
    return { fromUs: Date.UTC(y, (q - 1) * 3, 1) * 1000, toUs: Date.UTC(y, q * 3, 1) * 1000 };
  }
  const year = /^(\d{4})$/.exec(text);
  if (year) {
    const y = Number(year[1]);
    return { fromUs: Date.UTC(y, 0, 1) * 1000, toUs: Date.UTC(y + 1, 0, 1) * 1000 };
  }
  throw new RangeError(`invalid period "${text}": use YYYY-MM, YYYY-Qn or YYYY`);
}

function period(dayStartUs: number, query: ChargebackQuery): [number, number] {
  const { fromUs, toUs } = query.range;
  if (query.granularity === 'total') return [fromUs, toUs];
  if (query.granularity === 'day') return [Math.max(dayStartUs, fromUs), Math.min(dayStartUs + DAY_US, toUs)];
  const day = new Date(dayStartUs / 1000);
  const monthStart = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), 1) * 1000;
  const monthEnd = Date.UTC(day.getUTCFullYear(), day.getUTCMonth() + 1, 1) * 1000;
  return [Math.max(monthStart, fromUs), Math.min(monthEnd, toUs)];
}

function pick(
  group: Partial<Record<RequestDimension, string>>,
  by: readonly ChargebackDimension[],
): Partial<Record<ChargebackDimension, string>> {
  return Object.fromEntries(by.map((d) => [d, group[d] ?? ''])) as Partial<
    Record<ChargebackDimension, string>
  >;
}

function rowKey(group: Partial<Record<string, string>>, startUs: number): string {
  return JSON.stringify([Object.entries(group).sort(([a], [b]) => a.localeCompare(b)), startUs]);
}

function emptyRow(
  group: Partial<Record<ChargebackDimension, string>>,
  periodStartUs: number,
  periodEndUs: number,
): ChargebackRow {
  return {
    kind: 'usage',
    group,
    periodStartUs,
    periodEndUs,
    requests: 0,
    unpricedRequests: 0,
    promptTokens: 0,
    cachedPromptTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    usdPer1kTokens: null,
  };
}

function addInto(sum: ChargebackRow, row: ChargebackRow): ChargebackRow {
  sum.requests += row.requests;
  sum.unpricedRequests += row.unpricedRequests;
  sum.promptTokens += row.promptTokens;
  sum.cachedPromptTokens += row.cachedPromptTokens;
  sum.outputTokens += row.outputTokens;
  sum.costUsd += row.costUsd;
  return sum;
}

function withUnitCost(row: ChargebackRow): ChargebackRow {
  const tokens = row.promptTokens + row.outputTokens;
  return { ...row, usdPer1kTokens: tokens > 0 ? (row.costUsd / tokens) * 1000 : null };
}

function compareRows(by: readonly ChargebackDimension[]) {
  return (a: ChargebackRow, b: ChargebackRow): number => {
    if (a.periodStartUs !== b.periodStartUs) return a.periodStartUs - b.periodStartUs;
    if (a.kind !== b.kind) return a.kind === 'usage' ? -1 : 1;
    for (const d of by) {
      const c = (a.group[d] ?? '').localeCompare(b.group[d] ?? '');
      if (c !== 0) return c;
    }
    return 0;
  };
}
