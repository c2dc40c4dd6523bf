import type { RequestFilter, Store, TimeRange } from '../../store/store.ts';
import { healthyVariation, significance } from './healthy-variation.ts';
import { locateOnset } from './onset.ts';
import { kvSignals, replicaSignals } from './replica-signals.ts';
import { cacheUnfriendlyTenant, windowStats } from './window-stats.ts';

/**
 * Window-against-baseline root-cause ranking over stored requests: what changed between a
 * healthy period and a bad one, and which known cause explains it best. Each cause comes with the
 * metrics that support it (before, after, ratio) so a reader can check the claim.
 */
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

/** How the latency increase splits between queue, prefill and decode (shares of the positive deltas). */
export interface PhaseShares {
  queue: number;
  prefill: number;
  decode: number;
}

/**
 * The analysis' answer: one cause, or "inconclusive" with the candidates when the evidence is weak
 * or no candidate stands clearly above the others.
 */
export type Verdict =
  { kind: 'cause'; cause: RankedCause } | { kind: 'inconclusive'; candidates: RankedCause[]; reason: string };

export interface WindowComparison {
  window: TimeRange;
  /** The part of the window compared: from where the change began (onset.ts) to its end. */
  focus: TimeRange;
  baseline: TimeRange;
  phases: PhaseShares | null;
  causes: RankedCause[];
  verdict: Verdict;
}

/** A cause is named only with at least this score… */
export const CAUSE_MIN_SCORE = 0.2;

function verdictOf(causes: readonly RankedCause[]): Verdict {
  const [top] = causes;
  if (!top)
    return { kind: 'inconclusive', candidates: [], reason: 'nothing changed beyond healthy variation' };
  if (top.score < CAUSE_MIN_SCORE)
    return {
      kind: 'inconclusive',
      candidates: causes.slice(0, 3),
      reason: `the strongest signal (${top.cause}, ${top.score.toFixed(2)}) is weak`,
    };
  return { kind: 'cause', cause: top };
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

function evidence(metric: string, unit: string, before: number | null, after: number | null): Evidence {
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

function cause(c: Cause, score: number, items: Evidence[], extra: Partial<RankedCause> = {}): RankedCause {
  return {
    cause: c,
    score,
    evidence: items,
    summary: `${CAUSE_TITLES[c]}: ${items.map(describe).join(', ')}`,
    ...extra,
  };
}

const ms = (us: number | null) => (us === null ? null : us / 1000);
const positive = (after: number | null, before: number | null) =>
  after !== null && before !== null ? Math.max(0, after - before) : 0;

/**
 * Compares a window with a baseline over the requests `filter` selects and ranks causes, best
 * first; causes with no supporting change are left out. The scores are heuristics (documented in
 * docs/slo.md) that the analysis suite tunes against the simulator's recorded faults.
 */
export async function compareWindows(
  store: Store,
  filter: Omit<RequestFilter, 'range'>,
  window: TimeRange,
  baseline: TimeRange,
): Promise<WindowComparison> {
  const focus = await focusOf(store, filter, window, baseline);
  const [before, after, replicas, variation] = await Promise.all([
    windowStats(store, filter, baseline),
    windowStats(store, filter, focus),
    replicaSignals(store, filter, focus, baseline),
    healthyVariation(store, filter, baseline),
  ]);
  const names = replicas.map((r) => r.replica);
  const [kvBefore, kvAfter, tenant] = await Promise.all([
    kvSignals(store, names, baseline),
    kvSignals(store, names, focus),
    cacheUnfriendlyTenant(store, filter, focus, baseline),
  ]);
  /** How far outside healthy variation a signal moved (0–1; healthy-variation.ts). */
  const sig = (signal: Parameters<typeof significance>[1]) =>
    significance(variation, signal, before[signal], after[signal]);
  const dq = positive(after.queueUs, before.queueUs);
  const dp = positive(after.prefillUs, before.prefillUs);
  const dd = positive(after.decodeUs, before.decodeUs);
  const dTotal = dq + dp + dd;
  const phases = dTotal > 0 ? { queue: dq / dTotal, prefill: dp / dTotal, decode: dd / dTotal } : null;
  const ratio = (a: number | null, b: number | null) => (a !== null && b !== null && b > 0 ? a / b : 1);
  const causes: RankedCause[] = [];

  const rateRatio = ratio(after.ratePerSecond, before.ratePerSecond);
  const tokensRatio = ratio(after.tokensPerRequest, before.tokensPerRequest);
  const queueRatio = ratio(after.queueUs, before.queueUs);
  const tpotRatio = ratio(after.tpotUs, before.tpotUs);

  // KV pressure: the cache full and sequences preempted, usually from longer requests.
  const preemptRise = (after.preemptionsPerRequest ?? 0) - (before.preemptionsPerRequest ?? 0);
  const kvFull = (kvAfter.kvUsage ?? 0) >= 0.92 && kvAfter.preemptions > kvBefore.preemptions;
  // Before it preempts, a cache filling with longer requests shows as heavier requests and higher
  // KV usage (a tenant with long uncached prompts does that too: its own cause, below).
  const heavier = clamp01((tokensRatio - 1) / 0.4) * sig('tokensPerRequest');
  const kvRise =
    kvAfter.kvUsage !== null && kvBefore.kvUsage !== null
      ? clamp01((kvAfter.kvUsage - kvBefore.kvUsage) / 0.2)
      : 0.5;
  const kvScore = Math.max(
    clamp01(preemptRise / 0.3) * sig('preemptionsPerRequest'),
    kvFull ? clamp01(((kvAfter.kvUsage ?? 0) - 0.9) / 0.08) : 0,
    heavier * kvRise * (tenant ? 0.5 : 1),
  );
  // A full cache under many more requests of about the same size is the load's symptom, not its cause.
  const loadDriven = rateRatio > 1.5 && tokensRatio < 1.5;
  const kvWeight = loadDriven ? 0.5 : tokensRatio > 1.5 ? 1 : 0.8;
  if (kvScore > 0.05)
    causes.push(
      cause('kv_pressure', kvScore * kvWeight, [
        evidence('KV-cache usage', '%', kvBefore.kvUsage, kvAfter.kvUsage),
        evidence('preemptions', '', kvBefore.preemptions, kvAfter.preemptions),
        evidence('tokens per request', '', before.tokensPerRequest, after.tokensPerRequest),
      ]),
    );

  // Fragmentation: many more requests, each far smaller: steps full of overhead, little work.
  const fragmentation =
    clamp01((rateRatio - 1) / 3) *
    clamp01((1 - tokensRatio) / 0.7) *
    Math.min(sig('ratePerSecond'), sig('tokensPerRequest'));
  if (fragmentation > 0.05)
    causes.push(
      cause('batch_fragmentation', fragmentation, [
        evidence('arrival rate', 'req/s', before.ratePerSecond, after.ratePerSecond),
        evidence('tokens per request', '', before.tokensPerRequest, after.tokensPerRequest),
      ]),
    );

  // Queue saturation: more arrivals of the same kind; a spike swells the batch (every decode step
  // slows) before it fills the queue, so both count.
  const load = clamp01((rateRatio - 1) / 2) * (tokensRatio < 0.5 ? 0.3 : 1) * sig('ratePerSecond');
  const queueing = phases ? phases.queue * clamp01((queueRatio - 1) / 3) * sig('queueUs') : 0;
  const swelling = phases ? load * (phases.queue + phases.decode) : 0;
  if (queueing > 0.05 || swelling > 0.05)
    causes.push(
      cause('queue_saturation', Math.max(queueing, swelling) * (1 - 0.5 * kvScore * kvWeight), [
        evidence('queue time', 'ms', ms(before.queueUs), ms(after.queueUs)),
        evidence('arrival rate', 'req/s', before.ratePerSecond, after.ratePerSecond),
      ]),
    );

  // Prefix-cache misses: less of the prompt served from cache, usually one tenant's long unique prompts.
  // Longer prompts on the same prefixes lower the cached share too, but not the cached tokens per
  // request. A tenant whose uncached prompts grew is the clear case; without one, only a fall in
  // cached tokens per request says prefixes were missed.
  const cachedPerRequest = (w: typeof before) => (w.cachedShare ?? 0) * (w.promptTokens ?? 0);
  // Heavier requests without such a tenant evict cached prefixes as a symptom of KV pressure.
  const missed = tenant
    ? 1
    : (cachedPerRequest(after) < 0.85 * cachedPerRequest(before) ? 0.5 : 0.2) * (1 - heavier);
  const cacheDrop = ((before.cachedShare ?? 0) - (after.cachedShare ?? 0)) * sig('cachedShare') * missed;
  if (cacheDrop > 0.03)
    causes.push(
      cause(
        'prefix_cache_miss',
        // Without a tenant to blame, a lower cached share is as likely longer prompts (the same prefixes).
        clamp01(cacheDrop / 0.15),
        [
          evidence('prefix-cache hit share', '%', before.cachedShare, after.cachedShare),
          evidence('prefill time', 'ms', ms(before.prefillUs), ms(after.prefillUs)),
          ...(tenant
            ? [evidence(`tenant ${tenant.tenant}: share of prompt tokens`, '%', null, tenant.promptShare)]
            : []),
        ],
        tenant ? { tenant: tenant.tenant } : {},
      ),
    );

  // Longer prompts: their prefill, and the queue they build when the rate did not rise.
  const promptRatio = ratio(after.promptTokens, before.promptTokens);
  const longerPromptsShare = phases ? phases.prefill + phases.queue * (1 - load) : 0;
  if (phases && longerPromptsShare > 0.3 && promptRatio > 1.2)
    causes.push(
      cause(
        'prefill_bottleneck',
        longerPromptsShare * clamp01((promptRatio - 1) / 1) * (1 - kvScore) * sig('promptTokens'),
        [
          evidence('prompt tokens per request', '', before.promptTokens, after.promptTokens),
          evidence('prefill time', 'ms', ms(before.prefillUs), ms(after.prefillUs)),
        ],
      ),
    );

  // One GPU of a tensor-parallel group slower than the rest: the others idle in the all-reduce.
  let straggler = 0;
  for (const r of replicas) {
    const rise = (r.gpuSpreadAfter ?? 0) - (r.gpuSpreadBefore ?? 0);
    const score = clamp01(rise / 0.25);
    if (score > straggler && score > 0.05) {
      straggler = score;
      causes.push(
        cause(
          'tp_straggler',
          score,
          [
            evidence(`${r.replica}: GPU engine-active spread`, '%', r.gpuSpreadBefore, r.gpuSpreadAfter),
            evidence('time per output token', 'ms', ms(before.tpotUs), ms(after.tpotUs)),
          ],
          { replica: r.replica },
        ),
      );
    }
  }

  // Every step slower without more work: on tensor-parallel replicas the all-reduces (NCCL over
  // NVLink) are the usual suspect; on single-GPU replicas, the decode itself.
  // A significantly higher arrival rate swells the batch, which slows every step by itself.
  const moreArrivals = clamp01((rateRatio - 1) / 0.5) * sig('ratePerSecond');
  const slowerSteps = phases
    ? phases.decode *
      clamp01((tpotRatio - 1) / 0.6) *
      (1 - Math.max(load, moreArrivals, heavier)) *
      (1 - straggler) *
      sig('tpotUs')
    : 0;
  const tensorParallel = replicas.some((r) => r.gpuCount > 1);
  if (slowerSteps > 0.05)
    causes.push(
      cause(tensorParallel ? 'interconnect_slowdown' : 'decode_bottleneck', slowerSteps * (1 - kvScore), [
        evidence('time per output token', 'ms', ms(before.tpotUs), ms(after.tpotUs)),
        evidence('arrival rate', 'req/s', before.ratePerSecond, after.ratePerSecond),
      ]),
    );

  // A replica that stopped serving (crash, restart, failing health) or fails its requests.
  for (const r of replicas) {
    // Half a minute without a completion while its peers complete: with failed requests, a crash
    // or restart the window's totals may hide; without, possibly a slow replica's preemption storm.
    const stalled = r.shareBefore >= 0.15 && r.stallUs >= 30e6 && r.stallUs >= 2 * r.stallBeforeUs;
    const collapsed = r.shareBefore >= 0.15 && r.shareAfter < r.shareBefore * 0.5;
    const failing = r.errors >= 3 && r.errors / Math.max(1, r.count) > 0.05;
    const score =
      (collapsed || stalled) && failing
        ? 0.95
        : collapsed || failing || (stalled && r.errors > 0)
          ? 0.7
          : stalled
            ? 0.4
            : 0;
    if (score > 0)
      causes.push(
        cause(
          'replica_unhealthy',
          score,
          [
            evidence(`${r.replica}: share of requests`, '%', r.shareBefore, r.shareAfter),
            evidence(`${r.replica}: errors`, '', null, r.errors),
            ...(stalled
              ? [
                  evidence(
                    `${r.replica}: longest stretch without a completion`,
                    's',
                    r.stallBeforeUs / 1e6,
                    r.stallUs / 1e6,
                  ),
                ]
              : []),
          ],
          { replica: r.replica },
        ),
      );
  }
  // A replica much slower than its peers (without a GPU-level explanation).
  const peerE2e = (r: (typeof replicas)[number]) => {
    const peers = replicas.filter((p) => p !== r && p.count > 0);
    const n = peers.reduce((s, p) => s + p.count, 0);
    return n > 0 ? peers.reduce((s, p) => s + (p.e2eUs ?? 0) * p.count, 0) / n : null;
  };
  for (const r of replicas) {
    const peers = peerE2e(r);
    if (r.count < 5 || r.e2eUs === null || peers === null || peers <= 0) continue;
    const score = clamp01((r.e2eUs / peers - 1.3) / 1.5) * (1 - straggler);
    if (score > 0.05)
      causes.push(
        cause(
          'replica_outlier',
          score,
          [evidence(`${r.replica} vs peers: mean e2e`, 'ms', ms(peers), ms(r.e2eUs))],
          {
            replica: r.replica,
          },
        ),
      );
  }

  // Time outside the engine (gateway, routing, network, streaming out) carrying the rise in e2e.
  const outsideRise = positive(after.outsideEngineUs, before.outsideEngineUs);
  const outsideShare = outsideRise / Math.max(1, outsideRise + dTotal);
  const outsideRatio = ratio(after.outsideEngineUs, before.outsideEngineUs);
  const overhead = outsideShare * clamp01((outsideRatio - 1) / 1) * (1 - kvScore) * sig('outsideEngineUs');
  if (overhead > 0.05 && outsideRise >= 20_000)
    causes.push(
      cause('gateway_overhead', overhead, [
        evidence('time outside the engine', 'ms', ms(before.outsideEngineUs), ms(after.outsideEngineUs)),
        evidence('engine queue + prefill + decode', 'ms', ms(before.engineUs), ms(after.engineUs)),
      ]),
    );

  const errorRise = after.errorRatio - before.errorRatio;
  if (errorRise > 0.01)
    causes.push(
      cause('error_spike', clamp01(errorRise / 0.2) * 0.6 * sig('errorRatio'), [
        evidence('error ratio', '%', before.errorRatio, after.errorRatio),
      ]),
    );
  // A signal discounted to nothing by a stronger explanation is not a cause.
  const named = causes.filter((c) => c.score >= 0.05).sort((a, b) => b.score - a.score);
  return { window, focus, baseline, phases, causes: named, verdict: verdictOf(named) };
}

/** From the onset of the change to the window's end; at least its last minute; the whole window without an onset. */
async function focusOf(
  store: Store,
  filter: Omit<RequestFilter, 'range'>,
  window: TimeRange,
  baseline: TimeRange,
): Promise<TimeRange> {
  const onset = await locateOnset(store, filter, window, baseline);
  if (onset === null) return window;
  return { fromUs: Math.max(window.fromUs, Math.min(onset, window.toUs - 60e6)), toUs: window.toUs };
}
