/** The causes the window analysis can name, and what each named cause carries. */
export const CAUSES = [
  'queue_saturation',
  'kv_pressure',
  'prefix_cache_miss',
  'batch_fragmentation',
  'prefill_bottleneck',
  'decode_bottleneck',
  'tp_straggler',
  'interconnect_slowdown',
  'replica_unhealthy',
  'replica_outlier',
  'gateway_overhead',
  'error_spike',
] as const;
export type Cause = (typeof CAUSES)[number];

export const CAUSE_TITLES: Record<Cause, string> = {
  queue_saturation: 'queue saturation',
  kv_pressure: 'KV-cache pressure (longer requests fill the cache; preemptions)',
  prefix_cache_miss: 'prefix-cache misses',
  batch_fragmentation: 'batch fragmentation (many tiny requests)',
  prefill_bottleneck: 'prefill bottleneck (longer prompts)',
  decode_bottleneck: 'decode bottleneck',
  tp_straggler: 'tensor-parallel straggler GPU',
  interconnect_slowdown: 'interconnect / NCCL slowdown',
  replica_unhealthy: 'replica unhealthy or restarting',
  replica_outlier: 'one replica diverges',
  gateway_overhead: 'gateway / network overhead (time outside the engine)',
  error_spike: 'error spike',
};

export interface Evidence {
  metric: string;
  unit: string;
  before: number | null;
  after: number | null;
  /** after ÷ before, null when before is 0 or unknown. */
  ratio: number | null;
}

export interface RankedCause {
  cause: Cause;
  /** 0–1: how much of the change this cause explains, times how strong its signal is. */
  score: number;
  summary: string;
  evidence: Evidence[];
  /** The replica concerned (straggler, unhealthy, outlier). */
  replica?: string;
  /** The tenant concerned (prefix-cache misses). */
  tenant?: string;
}

export const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

export function evidence(
  metric: string,
  unit: string,
  before: number | null,
  after: number | null,
): Evidence {
  const ratio = before !== null && after !== null && before > 0 ? after / before : null;
  return { metric, unit, before, after, ratio };
}

function describe(e: Evidence): string {
  const fmt = (x: number | null) => {
    if (x === null) return '?';
    if (e.unit === 'ms') return `${Math.round(x)} ms`;
    if (e.unit === '%') return `${(x * 100).toFixed(1)} %`;
    return `${Number(x.toPrecision(3))}${e.unit ? ` ${e.unit}` : ''}`;
  };
  const ratio = e.ratio === null ? '' : ` ${e.ratio.toFixed(1)}×`;
  return `${e.metric}${ratio} (${fmt(e.before)} → ${fmt(e.after)})`;
}

export function cause(
  c: Cause,
  score: number,
  items: Evidence[],
  extra: Partial<RankedCause> = {},
): RankedCause {
  return {
    cause: c,
    score,
    evidence: items,
    summary: `${CAUSE_TITLES[c]}: ${items.map(describe).join(', ')}`,
    ...extra,
  };
}

export const ms = (us: number | null) => (us === null ? null : us / 1000);
export const positive = (after: number | null, before: number | null) =>
  after !== null && before !== null ? Math.max(0, after - before) : 0;
