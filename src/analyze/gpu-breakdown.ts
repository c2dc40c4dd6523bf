import type { RequestStatus } from '../model/request.ts';
import type { SpanKind } from '../model/span.ts';
import type { AggregateRow, RequestDimension, SpanAggregateRow, Store, TimeRange } from '../store/store.ts';
import { COMPLETION_LAG_US } from '../store/store.ts';
import type { PriceBook } from './cost/price-book.ts';
import { IDLE_COST_METRIC } from './cost/replica-price.ts';
import { engineActiveByGpu } from './gpu-activity.ts';

/**
 * Where a replica's GPU time went in a window. Every GPU-second the replica held is in exactly
 * one part, so the shares sum to 1:
 * - prefill / decode: useful work, from the priced prefill and decode spans (clipped to the window);
 *   for a replica whose spans carry no cost (requests priced by the cost ledger, as
 *   every engine collected from traces or scrapes is), from the requests that completed in the
 *   window, their cost split by their summed prefill and decode time;
 * - recomputed_prefill: prefill done again after a preemption or KV eviction (cache-miss overhead);
 * - communication_wait: GPUs of a tensor-parallel group waiting on a slower peer, from DCGM's
 *   engine-active ratio per GPU (the all-reduce time of a balanced group is not separable from
 *   the step in exported metrics and stays in prefill/decode);
 * - abandoned: work on requests that ended cancelled, timed out or failed — GPU time nobody got an
 *   answer from, most often clients giving up on a long queue;
 * - idle: no step running, the same dollars as the cost model's idle line;
 * - unattributed: held and busy, but no priced span covers it (steps of requests still running at
 *   the end of the window, unpriced requests, the coarseness of the idle sampling).
 */
export const GPU_TIME_PARTS = [
  'prefill',
  'decode',
  'recomputed_prefill',
  'communication_wait',
  'abandoned',
  'idle',
  'unattributed',
] as const;
export type GpuTimePart = (typeof GPU_TIME_PARTS)[number];

export interface GpuTimeSlice {
  gpuSeconds: number;
  usd: number;
  share: number;
}

export interface GpuBreakdownRow {
  /** Replica name, or the cluster for cluster rows. */
  group: string;
  cluster: string;
  model: string;
  gpuType: string;
  gpuCount: number;
  /** GPU-seconds the replica held in the window (GPUs × time it was scraped). */
  heldGpuSeconds: number;
  usdPerGpuSecond: number;
  parts: Record<GpuTimePart, GpuTimeSlice>;
  /**
   * Below 1 when priced spans added up to more than the busy time (the idle sampling called busy
   * time idle): the busy parts were scaled down by this factor so the shares still sum to 1.
   */
  attributionScale: number;
  /**
   * Where prefill, decode and abandoned came from: `spans` (each priced span, clipped to the
   * window) or `requests` (requests that completed in the window, cost split by summed phase time);
   * `mixed` for a cluster whose replicas differ.
   */
  attributedFrom: 'spans' | 'requests' | 'mixed';
}

export interface GpuBreakdownReport {
  range: TimeRange;
  replicas: GpuBreakdownRow[];
  clusters: GpuBreakdownRow[];
  /** Replicas with idle cost or spans but no known GPU price (left out of the rows). */
  unpricedReplicas: string[];
}

const GPU_KINDS: ReadonlySet<SpanKind> = new Set([
  'prefill',
  'decode',
  'preemption_wait',
  'kv_eviction_wait',
]);
const ABANDONED: ReadonlySet<RequestStatus> = new Set(['cancelled', 'timeout', 'error']);
/** Presence is read per minute of scrapes of the running gauge. */
const PRESENCE_STEP_US = 60_000_000;
const LOOKBACK_US = 86_400_000_000;

interface Hardware {
  cluster: string;
  model: string;
  gpuType: string;
  gpuCount: number;
}

async function replicaHardware(
  store: Store,
  range: TimeRange,
  where: Partial<Record<RequestDimension, readonly string[]>>,
): Promise<Map<string, Hardware>> {
  const rows = await store.aggregateRequests({
    range: { fromUs: range.fromUs - LOOKBACK_US, toUs: range.toUs },
    where,
    groupBy: ['replica', 'cluster', 'model', 'gpu_type'],
    measures: [{ fn: 'max', field: 'gpu_count' }, { fn: 'count' }],
  });
  const out = new Map<string, Hardware & { count: number }>();
  for (const row of rows) {
    const replica = row.group.replica ?? '';
    const count = row.values.count ?? 0;
    const known = out.get(replica);
    // A replica's hardware is the one most of its requests report (unknown loses to known).
    if (known && (row.group.gpu_type === 'unknown' || known.count >= count)) continue;
    out.set(replica, {
      cluster: row.group.cluster ?? '',
      model: row.group.model ?? '',
      gpuType: row.group.gpu_type ?? 'unknown',
      gpuCount: Math.max(1, row.values.max_gpu_count ?? 1),
      count,
    });
  }
  return out;
}

/** Seconds of the window in which the replica was scraped, per minute of samples. */
async function heldSeconds(store: Store, range: TimeRange, replicas: string[]): Promise<Map<string, number>> {
  const points = await store.queryMetric({
    name: 'llm.requests.running',
    range,
    where: { replica: replicas },
    groupBy: ['replica'],
    stepUs: PRESENCE_STEP_US,
    aggregate: 'last',
  });
  const out = new Map<string, number>();
  for (const p of points) {
    const from = Math.max(p.bucketStartUs, range.fromUs);
    const to = Math.min(p.bucketStartUs + PRESENCE_STEP_US, range.toUs);
    const replica = p.group.replica ?? '';
    out.set(replica, (out.get(replica) ?? 0) + Math.max(0, to - from) / 1e6);
  }
  return out;
}

/** Share of a TP group's GPU time spent waiting on its slowest GPU: mean of (max − own) ÷ max. */
async function peerWaitShare(
  store: Store,
  range: TimeRange,
  replicas: string[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const [replica, active] of await engineActiveByGpu(store, replicas, range)) {
    const max = Math.max(...active);
    if (active.length < 2 || max <= 0) continue;
    out.set(replica, active.reduce((s, a) => s + (max - a) / max, 0) / active.length);
  }
  return out;
}

function emptyParts(): Record<GpuTimePart, GpuTimeSlice> {
  return Object.fromEntries(GPU_TIME_PARTS.map((p) => [p, { gpuSeconds: 0, usd: 0, share: 0 }])) as Record<
    GpuTimePart,
    GpuTimeSlice
  >;
}

/** GPU-seconds of work per busy part. */
interface BusyParts {
  prefill: number;
  decode: number;
  recomputed_prefill: number;
  abandoned: number;
}

const busyTotal = (b: BusyParts) => b.prefill + b.decode + b.recomputed_prefill + b.abandoned;

/** From one replica's priced GPU spans (already clipped to the window). */
function busyFromSpans(spans: readonly SpanAggregateRow[], seconds: (usd: number) => number): BusyParts {
  const busy: BusyParts = { prefill: 0, decode: 0, recomputed_prefill: 0, abandoned: 0 };
  for (const s of spans) {
    if (!GPU_KINDS.has(s.kind) || s.costUsd === null) continue;
    const gpuSeconds = seconds(s.costUsd);
    if (ABANDONED.has(s.group.status as RequestStatus)) busy.abandoned += gpuSeconds;
    else if (s.kind === 'prefill') busy.prefill += gpuSeconds;
    else if (s.kind === 'decode') busy.decode += gpuSeconds;
    else busy.recomputed_prefill += gpuSeconds;
  }
  return busy;
}

/** From one replica's completed requests per status: cost split by summed prefill and decode time. */
function busyFromRequests(rows: readonly AggregateRow[], seconds: (usd: number) => number): BusyParts {
  const busy: BusyParts = { prefill: 0, decode: 0, recomputed_prefill: 0, abandoned: 0 };
  for (const r of rows) {
    const gpuSeconds = seconds(r.values.sum_cost_usd ?? 0);
    const prefillUs = r.values.sum_prefill_us ?? 0;
    const decodeUs = r.values.sum_decode_us ?? 0;
    if (ABANDONED.has(r.group.status as RequestStatus)) busy.abandoned += gpuSeconds;
    else if (prefillUs + decodeUs > 0) {
      busy.prefill += (gpuSeconds * prefillUs) / (prefillUs + decodeUs);
      busy.decode += (gpuSeconds * decodeUs) / (prefillUs + decodeUs);
    }
  }
  return busy;
}

export async function gpuTimeBreakdown(
  store: Store,
  prices: PriceBook,
  query: { range: TimeRange; where?: Partial<Record<'cluster' | 'model' | 'replica', readonly string[]>> },
): Promise<GpuBreakdownReport> {
  const { range } = query;
  const where = query.where ?? {};
  const [hardware, idlePoints, spans] = await Promise.all([
    replicaHardware(store, range, where),
    store.queryMetric({
      name: IDLE_COST_METRIC,
      range,
      where,
      groupBy: ['replica'],
      stepUs: Math.max(1, range.toUs - range.fromUs),
      aggregate: 'sum',
    }),
    // Requests that may overlap the window: arrived before its end, at most the completion lag
    // before its start; each span counts only its part inside the window.
    store.aggregateSpans({
      range: { fromUs: range.fromUs - COMPLETION_LAG_US, toUs: range.toUs },
      where,
      groupBy: ['replica', 'status'],
      clipTo: range,
    }),
  ]);
  const idleUsd = new Map<string, number>();
  for (const p of idlePoints)
    idleUsd.set(p.group.replica ?? '', (idleUsd.get(p.group.replica ?? '') ?? 0) + p.value);
  const replicas = [...new Set([...hardware.keys(), ...idleUsd.keys()])].filter(
    (r) => idleUsd.has(r) || spans.some((s) => s.group.replica === r),
  );
  const [held, peerWait, requestCosts] = await Promise.all([
    heldSeconds(store, range, replicas),
    peerWaitShare(store, range, replicas),
    store.aggregateRequests({
      range,
      timeBy: 'completion',
      where,
      groupBy: ['replica', 'status'],
      measures: [
        { fn: 'sum', field: 'cost_usd' },
        { fn: 'sum', field: 'prefill_us' },
        { fn: 'sum', field: 'decode_us' },
      ],
    }),
  ]);

  const rows: GpuBreakdownRow[] = [];
  const unpriced: string[] = [];
  for (const replica of replicas.sort()) {
    const hw = hardware.get(replica);
    const usdPerGpuHour = hw ? prices.findUsdPerGpuHour(hw.gpuType, hw.cluster) : null;
    if (!hw || usdPerGpuHour === null) {
      unpriced.push(replica);
      continue;
    }
    const usdPerGpuSecond = usdPerGpuHour / 3600;
    const seconds = (usd: number) => usd / usdPerGpuSecond;
    const fromSpans = busyFromSpans(
      spans.filter((s) => s.group.replica === replica),
      seconds,
    );
    const own = requestCosts.filter((r) => r.group.replica === replica);
    const requestUsd = own.reduce((sum, r) => sum + (r.values.sum_cost_usd ?? 0), 0);
    // Spans without cost but requests with it: the request-level ledger price. (A replica
    // mixing both would be counted twice by adding; the spans win unless they hold under 1 %.)
    const fromRequests = requestUsd > 0 && busyTotal(fromSpans) * usdPerGpuSecond < 0.01 * requestUsd;
    const busy = fromRequests ? busyFromRequests(own, seconds) : fromSpans;
    const heldGpuSeconds = (held.get(replica) ?? 0) * hw.gpuCount;
    const idleGpuSeconds = seconds(idleUsd.get(replica) ?? 0);
    // Held time is at least what was seen idle or busy (a replica scraped for part of a minute).
    const attributed = busyTotal(busy);
    const total = Math.max(heldGpuSeconds, idleGpuSeconds + attributed);
    const busyGpuSeconds = Math.max(0, total - idleGpuSeconds);
    const scale = attributed > busyGpuSeconds && attributed > 0 ? busyGpuSeconds / attributed : 1;
    const wait = peerWait.get(replica) ?? 0;
    const parts = emptyParts();
    const put = (part: GpuTimePart, gpuSeconds: number) => {
      parts[part] = {
        gpuSeconds,
        usd: gpuSeconds * usdPerGpuSecond,
        share: total > 0 ? gpuSeconds / total : 0,
      };
    };
    // Waiting on a slower peer happens inside the steps: taken out of each busy part alike.
    put('prefill', busy.prefill * scale * (1 - wait));
    put('decode', busy.decode * scale * (1 - wait));
    put('recomputed_prefill', busy.recomputed_prefill * scale * (1 - wait));
    put('abandoned', busy.abandoned * scale * (1 - wait));
    put('communication_wait', attributed * scale * wait);
    put('idle', idleGpuSeconds);
    put('unattributed', Math.max(0, busyGpuSeconds - attributed * scale));
    rows.push({
      group: replica,
      cluster: hw.cluster,
      model: hw.model,
      gpuType: hw.gpuType,
      gpuCount: hw.gpuCount,
      heldGpuSeconds: total,
      usdPerGpuSecond,
      parts,
      attributionScale: scale,
      attributedFrom: fromRequests ? 'requests' : 'spans',
    });
  }
  return { range, replicas: rows, clusters: clusterRows(rows), unpricedReplicas: unpriced };
}

/** Sums replicas per cluster; shares recomputed over the cluster's held GPU time. */
function clusterRows(rows: readonly GpuBreakdownRow[]): GpuBreakdownRow[] {
  const byCluster = new Map<string, GpuBreakdownRow[]>();
  for (const row of rows) byCluster.set(row.cluster, [...(byCluster.get(row.cluster) ?? []), row]);
  return [...byCluster].map(([cluster, members]) => {
    const held = members.reduce((s, r) => s + r.heldGpuSeconds, 0);
    const usdHeld = members.reduce((s, r) => s + r.heldGpuSeconds * r.usdPerGpuSecond, 0);
    const parts = emptyParts();
    for (const part of GPU_TIME_PARTS) {
      const gpuSeconds = members.reduce((s, r) => s + r.parts[part].gpuSeconds, 0);
      const usd = members.reduce((s, r) => s + r.parts[part].usd, 0);
      parts[part] = { gpuSeconds, usd, share: held > 0 ? gpuSeconds / held : 0 };
    }
    const types = [...new Set(members.map((m) => m.gpuType))];
    const models = [...new Set(members.map((m) => m.model))];
    return {
      group: cluster,
      cluster,
      model: models.length === 1 ? (models[0] as string) : '(several)',
      gpuType: types.length === 1 ? (types[0] as string) : '(mixed)',
      gpuCount: members.reduce((s, r) => s + r.gpuCount, 0),
      heldGpuSeconds: held,
      usdPerGpuSecond: held > 0 ? usdHeld / held : 0,
      parts,
      attributionScale: Math.min(...members.map((m) => m.attributionScale)),
      attributedFrom: members.every((m) => m.attributedFrom === members[0]?.attributedFrom)
        ? (members[0]?.attributedFrom ?? 'spans')
        : 'mixed',
    };
  });
}
