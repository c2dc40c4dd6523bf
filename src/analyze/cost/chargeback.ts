import type { RequestDimension, Store, TimeRange } from '../../store/store.ts';
import { measureKey, type Measure } from '../../store/store.ts';
import { IDLE_COST_METRIC, IDLE_GPU_SECONDS_METRIC } from './replica-price.ts';

const DAY_US = 86_400_000_000;

export const CHARGEBACK_DIMENSIONS = ['team', 'tenant', 'cluster', 'workload', 'model', 'namespace'] as const;
export type ChargebackDimension = (typeof CHARGEBACK_DIMENSIONS)[number];
export type ChargebackGranularity = 'day' | 'month' | 'total';
/**
 * usage: what requests used (idle kept as its own lines); allocation: idle shared among the teams
 * that used the same cluster and model in the period, in proportion to their usage cost, so the
 * rows reconcile with the bill (OpenCost's two bases).
 */
export const COST_BASES = ['usage', 'allocation'] as const;
export type CostBasis = (typeof COST_BASES)[number];

export interface ChargebackQuery {
  range: TimeRange;
  by: readonly ChargebackDimension[];
  granularity: ChargebackGranularity;
  /** Add idle GPU cost rows from the stored `llm.gpu.idle_cost`. Default true. */
  includeIdle?: boolean;
  /** Default usage. */
  basis?: CostBasis;
  /** Only these requests' usage (a team-scoped API token); idle cost knows no team, so leave it out then. */
  where?: Partial<Record<RequestDimension, readonly string[]>>;
}

/** Idle GPU cost belongs to no team: its rows carry this in every dimension it cannot know. */
export const IDLE_GROUP = '(idle)';

export interface ChargebackRow {
  /** usage: requests' cost; idle: GPU time with no request running. */
  kind: 'usage' | 'idle';
  group: Partial<Record<ChargebackDimension, string>>;
  /** Idle rows: the node pool of the idle replicas ('' when unknown). */
  nodePool?: string;
  /** Charge period [startUs, endUs), clipped to the query range. */
  periodStartUs: number;
  periodEndUs: number;
  requests: number;
  /** Requests with no price (collected without a known GPU price); their tokens are still counted. */
  unpricedRequests: number;
  promptTokens: number;
  cachedPromptTokens: number;
  outputTokens: number;
  /** Usage rows: the requests' own cost. Idle rows: the idle cost. */
  costUsd: number;
  /** Idle rows: the GPU-hours that stood idle (GPUs × hours); 0 on usage rows. */
  idleGpuHours: number;
  /** Allocation basis: this row's share of idle cost (0 in the usage basis). */
  idleShareUsd: number;
  /** What the cached prompt tokens would have cost to compute (not in costUsd). */
  cacheSavingsUsd: number;
  /** (cost + idle share) per 1k tokens (input + output); null when no tokens. */
  usdPer1kTokens: number | null;
}

export interface ChargebackReport {
  range: TimeRange;
  by: readonly ChargebackDimension[];
  granularity: ChargebackGranularity;
  basis: CostBasis;
  rows: ChargebackRow[];
  /** Usage rows summed (requests, tokens, their cost and idle shares). */
  totals: Omit<ChargebackRow, 'kind' | 'group' | 'nodePool' | 'periodStartUs' | 'periodEndUs'>;
  /** All idle GPU cost in the range. */
  idleCostUsd: number;
  /**
   * Idle cost left as idle rows: all of it in the usage basis; in the allocation basis what had no
   * usage to share it (no request in that cluster and model in the period).
   * totals.costUsd + totals.idleShareUsd + unallocatedIdleUsd = totals.costUsd + idleCostUsd.
   */
  unallocatedIdleUsd: number;
}

const MEASURES: readonly Measure[] = [
  { fn: 'count' },
  // Priced requests (cost ≥ 0; unpriced ones are NULL): the rest of the count is unpriced.
  { fn: 'count', filter: { ranges: { cost_usd: { min: 0 } } }, as: 'priced' },
  { fn: 'sum', field: 'cost_usd' },
  { fn: 'sum', field: 'prompt_tokens' },
  { fn: 'sum', field: 'cached_prompt_tokens' },
  { fn: 'sum', field: 'output_tokens' },
  { fn: 'sum', field: 'cache_savings_usd' },
];

/** Idle is shared among usage in the same period, cluster and model (the replicas' identity). */
const ALLOCATION_KEYS = ['cluster', 'model'] as const satisfies readonly ChargebackDimension[];

/**
 * Cost by team (or any of the chargeback dimensions) per UTC day or calendar month.
 * Built on the store's day-bucketed aggregation so it runs the same on DuckDB and ClickHouse;
 * months are summed from days here because a month is not a fixed bucket width.
 */
export async function chargebackReport(store: Store, query: ChargebackQuery): Promise<ChargebackReport> {
  if (query.by.length === 0) throw new RangeError('chargeback needs at least one --by dimension');
  if (query.range.toUs <= query.range.fromUs)
    throw new RangeError('chargeback range is empty: --to must be after --from');
  const basis = query.basis ?? 'usage';
  // Allocation needs usage at cluster × model grain even when the report is by team only.
  const fineBy = basis === 'allocation' ? unique([...query.by, ...ALLOCATION_KEYS]) : [...query.by];
  const usage = await usageRows(store, query, fineBy);
  const idle = query.includeIdle === false ? [] : await idleRows(store, query, fineBy);
  const idleCostUsd = idle.reduce((sum, row) => sum + row.costUsd, 0);
  const leftIdle = basis === 'allocation' ? allocateIdle(usage, idle) : idle;
  const usageOut = rollUp(usage, query.by, (row) => rowKey(pick(row.group, query.by), row.periodStartUs)).map(
    withUnitCost,
  );
  const idleOut = rollUp(leftIdle, query.by, (row) =>
    rowKey({ ...pick(row.group, query.by), '~nodePool': row.nodePool ?? '' }, row.periodStartUs),
  );
  const totals = withUnitCost(
    usageOut.reduce((sum, row) => addInto(sum, row), emptyRow({}, query.range.fromUs, query.range.toUs)),
  );
  const { kind: _kind, group: _group, periodStartUs: _s, periodEndUs: _e, ...totalValues } = totals;
  return {
    range: query.range,
    by: query.by,
    granularity: query.granularity,
    basis,
    rows: [...usageOut, ...idleOut].sort(compareRows(query.by)),
    totals: totalValues,
    idleCostUsd,
    unallocatedIdleUsd: leftIdle.reduce((sum, row) => sum + row.costUsd, 0),
  };
}

/** Requests' cost and tokens per period and `by` group. */
async function usageRows(
  store: Store,
  query: ChargebackQuery,
  by: readonly ChargebackDimension[],
): Promise<ChargebackRow[]> {
  const groupBy = by as readonly RequestDimension[];
  const daily = await store.aggregateRequests({
    range: query.range,
    ...(query.where ? { where: query.where } : {}),
    groupBy,
    bucketUs: DAY_US,
    measures: MEASURES,
  });
  const merged = new Map<string, ChargebackRow>();
  for (const row of daily) {
    const dayStart = row.bucketStartUs ?? 0;
    const [periodStartUs, periodEndUs] = period(dayStart, query);
    const group = pick(row.group, by);
    const key = rowKey(group, periodStartUs);
    const target = merged.get(key) ?? emptyRow(group, periodStartUs, periodEndUs);
    const requests = row.values[measureKey({ fn: 'count' })] ?? 0;
    target.requests += requests;
    target.unpricedRequests += requests - (row.values.priced ?? 0);
    target.costUsd += row.values.sum_cost_usd ?? 0;
    target.promptTokens += row.values.sum_prompt_tokens ?? 0;
    target.cachedPromptTokens += row.values.sum_cached_prompt_tokens ?? 0;
    target.outputTokens += row.values.sum_output_tokens ?? 0;
    target.cacheSavingsUsd += row.values.sum_cache_savings_usd ?? 0;
    merged.set(key, target);
  }
  return [...merged.values()];
}

/**
 * Idle cost per period, cluster, model, namespace, workload and node pool (what a replica's scrape
 * target says about it). Dimensions idle cannot know (team, tenant) hold IDLE_GROUP.
 */
async function idleRows(
  store: Store,
  query: ChargebackQuery,
  by: readonly ChargebackDimension[],
): Promise<ChargebackRow[]> {
  const daily = (name: string) =>
    store.queryMetric({
      name,
      range: query.range,
      groupBy: ['cluster', 'model'],
      groupByLabels: ['namespace', 'workload', 'node_pool'],
      stepUs: DAY_US,
      aggregate: 'sum',
    });
  const [costs, gpuSeconds] = await Promise.all([daily(IDLE_COST_METRIC), daily(IDLE_GPU_SECONDS_METRIC)]);
  const rows = new Map<string, ChargebackRow>();
  for (const [point, isCost] of [
    ...costs.map((p) => [p, true] as const),
    ...gpuSeconds.map((p) => [p, false] as const),
  ]) {
    const [periodStartUs, periodEndUs] = period(point.bucketStartUs, query);
    const known: Partial<Record<ChargebackDimension, string>> = {
      cluster: point.group.cluster ?? '',
      model: point.group.model ?? '',
      namespace: point.labels?.namespace || IDLE_GROUP,
      workload: point.labels?.workload || IDLE_GROUP,
    };
    const group = Object.fromEntries(by.map((d) => [d, known[d] ?? IDLE_GROUP])) as Partial<
      Record<ChargebackDimension, string>
    >;
    const nodePool = point.labels?.node_pool ?? '';
    const key = rowKey({ ...group, '~nodePool': nodePool }, periodStartUs);
    const row = rows.get(key) ?? {
      ...emptyRow(group, periodStartUs, periodEndUs),
      kind: 'idle' as const,
      nodePool,
    };
    if (isCost) row.costUsd += point.value;
    else row.idleGpuHours += point.value / 3600;
    rows.set(key, row);
  }
  return [...rows.values()];
}

/**
 * Shares each idle row among the usage rows of the same period, cluster and model, in proportion
 * to their cost (by request count when none is priced). Adds to usage rows' idleShareUsd; returns
 * the idle rows nobody used (kept as idle).
 */
function allocateIdle(usage: ChargebackRow[], idle: readonly ChargebackRow[]): ChargebackRow[] {
  const allocationKey = (row: ChargebackRow) =>
    rowKey(Object.fromEntries(ALLOCATION_KEYS.map((d) => [d, row.group[d] ?? ''])), row.periodStartUs);
  const users = new Map<string, ChargebackRow[]>();
  for (const row of usage) {
    const key = allocationKey(row);
    const sharers = users.get(key);
    if (sharers) sharers.push(row);
    else users.set(key, [row]);
  }
  const left: ChargebackRow[] = [];
  for (const idleRow of idle) {
    const sharers = users.get(allocationKey(idleRow)) ?? [];
    const byCost = sharers.reduce((sum, r) => sum + r.costUsd, 0);
    const byRequests = sharers.reduce((sum, r) => sum + r.requests, 0);
    const weightOf =
      byCost > 0
        ? (r: ChargebackRow) => r.costUsd / byCost
        : byRequests > 0
          ? (r: ChargebackRow) => r.requests / byRequests
          : null;
    if (!weightOf) left.push(idleRow);
    else for (const r of sharers) r.idleShareUsd += idleRow.costUsd * weightOf(r);
  }
  return left;
}

/** Sums rows that share a key (a coarser group than they were computed at). */
function rollUp(
  rows: readonly ChargebackRow[],
  by: readonly ChargebackDimension[],
  keyOf: (row: ChargebackRow) => string,
): ChargebackRow[] {
  const merged = new Map<string, ChargebackRow>();
  for (const row of rows) {
    const key = keyOf(row);
    const target = merged.get(key);
    if (target) addInto(target, row);
    else merged.set(key, { ...row, group: pick(row.group, by) });
  }
  return [...merged.values()];
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
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
  group: Partial<Record<string, string>>,
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
    idleGpuHours: 0,
    idleShareUsd: 0,
    cacheSavingsUsd: 0,
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
  sum.idleGpuHours += row.idleGpuHours;
  sum.idleShareUsd += row.idleShareUsd;
  sum.cacheSavingsUsd += row.cacheSavingsUsd;
  return sum;
}

function withUnitCost(row: ChargebackRow): ChargebackRow {
  const tokens = row.promptTokens + row.outputTokens;
  return { ...row, usdPer1kTokens: tokens > 0 ? ((row.costUsd + row.idleShareUsd) / tokens) * 1000 : null };
}

function compareRows(by: readonly ChargebackDimension[]) {
  return (a: ChargebackRow, b: ChargebackRow): number => {
    if (a.periodStartUs !== b.periodStartUs) return a.periodStartUs - b.periodStartUs;
    if (a.kind !== b.kind) return a.kind === 'usage' ? -1 : 1;
    for (const d of by) {
      const c = (a.group[d] ?? '').localeCompare(b.group[d] ?? '');
      if (c !== 0) return c;
    }
    return (a.nodePool ?? '').localeCompare(b.nodePool ?? '');
  };
}
