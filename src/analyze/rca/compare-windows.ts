import type { RequestFilter, Store, TimeRange } from '../../store/store.ts';
import { CAUSE_DETECTORS } from './causes/index.ts';
import { causeContext, type PhaseShares } from './causes/context.ts';
import type { RankedCause } from './causes/cause.ts';
import { healthyVariation } from './healthy-variation.ts';
import { locateOnset } from './onset.ts';
import { kvSignals, replicaSignals } from './replica-signals.ts';
import { cacheUnfriendlyTenant, windowStats } from './window-stats.ts';

/**
 * Window-against-baseline root-cause ranking over stored requests: what changed between a
 * healthy period and a bad one, and which known cause explains it best (causes/, one module per
 * cause). Each cause comes with the metrics that support it (before, after, ratio) so a reader
 * can check the claim.
 */
export { CAUSES, CAUSE_TITLES, type Cause, type Evidence, type RankedCause } from './causes/cause.ts';
export type { PhaseShares } from './causes/context.ts';

/**
 * The analysis' answer: one cause, or "inconclusive" with the candidates when no cause's evidence
 * reaches CAUSE_MIN_SCORE (every signal already weighed against its healthy variation).
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

/**
 * Compares a window with a baseline over the requests `filter` selects and ranks causes, best
 * first; causes with no supporting change are left out. Every signal counts in units of its own
 * healthy variation (healthy-variation.ts), from the change's onset (onset.ts); the scores are
 * heuristics documented in docs/analysis.md and measured on drawn scenarios (bench:rca).
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
  const context = causeContext({ before, after, replicas, kvBefore, kvAfter, tenant, variation });
  const causes = CAUSE_DETECTORS.flatMap((detector) => detector.detect(context));
  // A signal discounted to nothing by a stronger explanation is not a cause.
  const named = causes.filter((c) => c.score >= 0.05).sort((a, b) => b.score - a.score);
  return { window, focus, baseline, phases: context.shared.phases, causes: named, verdict: verdictOf(named) };
}

/**
 * From the onset of the change to the window's end; at least the window's last fifth (a minute of
 * an alert's 5); the whole window without an onset.
 */
async function focusOf(
  store: Store,
  filter: Omit<RequestFilter, 'range'>,
  window: TimeRange,
  baseline: TimeRange,
): Promise<TimeRange> {
  const onset = await locateOnset(store, filter, window, baseline);
  if (onset === null) return window;
  const lastFifthUs = (window.toUs - window.fromUs) / 5;
  return { fromUs: Math.max(window.fromUs, Math.min(onset, window.toUs - lastFifthUs)), toUs: window.toUs };
}
