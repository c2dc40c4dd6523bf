import {
  significance,
  type HealthyVariation,
  type RatioSignal,
  type ShareSignal,
} from '../healthy-variation.ts';
import type { ReplicaSignal } from '../replica-signals.ts';
import type { WindowStats } from '../window-stats.ts';
import { clamp01, positive, type Cause, type RankedCause } from './cause.ts';

/** How the latency increase splits between queue, prefill and decode (shares of the positive deltas). */
export interface PhaseShares {
  queue: number;
  prefill: number;
  decode: number;
}

/** What the window analysis measured: the baseline, the focus (from the onset), and their signals. */
export interface Measured {
  before: WindowStats;
  after: WindowStats;
  replicas: ReplicaSignal[];
  kvBefore: { kvUsage: number | null; preemptions: number };
  kvAfter: { kvUsage: number | null; preemptions: number };
  /** A tenant whose uncached prompts grew (window-stats.ts), if any. */
  tenant: { tenant: string; promptShare: number; cachedShare: number } | null;
  variation: HealthyVariation;
}

/**
 * Signals several causes weigh: ratios after ÷ before, and the strengths of the explanations that
 * discount others (a load spike swells the batch; heavier requests fill the KV cache; a straggler
 * slows every step). Computed once, before any cause is scored.
 */
export interface SharedSignals {
  phases: PhaseShares | null;
  /** Total rise of queue + prefill + decode, µs. */
  engineRiseUs: number;
  rateRatio: number;
  tokensRatio: number;
  queueRatio: number;
  tpotRatio: number;
  promptRatio: number;
  /** More arrivals of the same kind (0–1). */
  load: number;
  /** Significantly more arrivals (≥ 1.5×) at all (0–1). */
  moreArrivals: number;
  /** Requests carrying significantly more tokens (0–1). */
  heavier: number;
  /** The KV cache filling: preemptions, a full cache, or heavier requests with usage rising (0–1). */
  kvScore: number;
  /** How much KV pressure counts when the load rose (a symptom then) or requests grew (a cause). */
  kvWeight: number;
  /** The strongest rise of GPU-activity spread in a tensor-parallel group (0–1). */
  straggler: number;
}

export interface CauseContext extends Measured {
  shared: SharedSignals;
  /** How far outside healthy variation a signal moved (0–1; healthy-variation.ts). */
  sig(signal: RatioSignal | ShareSignal): number;
}

/** One cause the analysis can name: the signature it expects, and its scoring. */
export interface CauseDetector {
  causes: readonly Cause[];
  /** In a sentence: what this cause looks like in the signals. */
  signature: string;
  detect(ctx: CauseContext): RankedCause[];
}

const ratio = (a: number | null, b: number | null) => (a !== null && b !== null && b > 0 ? a / b : 1);

function phaseShares(m: Measured): { phases: PhaseShares | null; engineRiseUs: number } {
  const dq = positive(m.after.queueUs, m.before.queueUs);
  const dp = positive(m.after.prefillUs, m.before.prefillUs);
  const dd = positive(m.after.decodeUs, m.before.decodeUs);
  const total = dq + dp + dd;
  return {
    phases: total > 0 ? { queue: dq / total, prefill: dp / total, decode: dd / total } : null,
    engineRiseUs: total,
  };
}

function kvPressure(m: Measured, heavier: number, sig: CauseContext['sig']): number {
  const { before, after, kvBefore, kvAfter } = m;
  const preemptRise = (after.preemptionsPerRequest ?? 0) - (before.preemptionsPerRequest ?? 0);
  const kvFull = (kvAfter.kvUsage ?? 0) >= 0.92 && kvAfter.preemptions > kvBefore.preemptions;
  // Before it preempts, a cache filling with longer requests shows as heavier requests and higher
  // KV usage (a tenant with long uncached prompts does that too: its own cause).
  const kvRise =
    kvAfter.kvUsage !== null && kvBefore.kvUsage !== null
      ? clamp01((kvAfter.kvUsage - kvBefore.kvUsage) / 0.2)
      : 0.5;

  return Math.max(
    clamp01(preemptRise / 0.3) * sig('preemptionsPerRequest'),
    kvFull ? clamp01(((kvAfter.kvUsage ?? 0) - 0.9) / 0.08) : 0,
    heavier * kvRise * (m.tenant ? 0.5 : 1),
  );
}

/** One GPU of a tensor-parallel group slower than the rest, at its strongest over the replicas. */
export function stragglerScore(replica: ReplicaSignal): number {
  return clamp01(((replica.gpuSpreadAfter ?? 0) - (replica.gpuSpreadBefore ?? 0)) / 0.25);
}

export function causeContext(m: Measured): CauseContext {
  const sig = (signal: RatioSignal | ShareSignal) =>
    significance(m.variation, signal, m.before[signal], m.after[signal]);
  const { before, after } = m;
  const rateRatio = ratio(after.ratePerSecond, before.ratePerSecond);
  const tokensRatio = ratio(after.tokensPerRequest, before.tokensPerRequest);
  const heavier = clamp01((tokensRatio - 1) / 0.4) * sig('tokensPerRequest');
  // A full cache under many more requests of about the same size is the load's symptom, not its cause.
  const loadDriven = rateRatio > 1.5 && tokensRatio < 1.5;
  const shared: SharedSignals = {
    ...phaseShares(m),
    rateRatio,
    tokensRatio,
    queueRatio: ratio(after.queueUs, before.queueUs),
    tpotRatio: ratio(after.tpotUs, before.tpotUs),
    promptRatio: ratio(after.promptTokens, before.promptTokens),
    load: clamp01((rateRatio - 1) / 2) * (tokensRatio < 0.5 ? 0.3 : 1) * sig('ratePerSecond'),
    moreArrivals: clamp01((rateRatio - 1) / 0.5) * sig('ratePerSecond'),
    heavier,
    kvScore: kvPressure(m, heavier, sig),
    kvWeight: loadDriven ? 0.5 : tokensRatio > 1.5 ? 1 : 0.8,
    straggler: Math.max(0, ...m.replicas.map(stragglerScore).filter((s) => s > 0.05)),
  };
  return { ...m, shared, sig };
}
