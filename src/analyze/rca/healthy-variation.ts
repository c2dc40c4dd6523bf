import type { RequestFilter, Store, TimeRange } from '../../store/store.ts';
import { windowStats, type WindowStats } from './window-stats.ts';

/** Signals compared as ratios (after ÷ before) and signals compared as differences (shares). */
const RATIO_SIGNALS = [
  'ratePerSecond',
  'tokensPerRequest',
  'queueUs',
  'prefillUs',
  'decodeUs',
  'tpotUs',
  'promptTokens',
  'outsideEngineUs',
] as const;
const SHARE_SIGNALS = ['cachedShare', 'preemptionsPerRequest', 'errorRatio'] as const;
export type RatioSignal = (typeof RATIO_SIGNALS)[number];
export type ShareSignal = (typeof SHARE_SIGNALS)[number];

/**
 * The null model: how far each signal moves between healthy stretches of this fleet's own
 * baseline. Ratio signals as |log(a ÷ b)|, shares as |a − b|; the largest move between any two
 * of the baseline's thirds. A change in the analysed window is evidence only in units of this.
 */
export type HealthyVariation = Record<RatioSignal | ShareSignal, number>;

/** Below these, a signal is steadier than the measurement can tell (5 % for ratios, 2 points for shares). */
const RATIO_FLOOR = Math.log(1.05);
const SHARE_FLOOR = 0.02;

function spread(slices: readonly WindowStats[], signal: RatioSignal | ShareSignal, ratio: boolean): number {
  let widest = 0;
  for (let i = 0; i < slices.length; i++)
    for (let j = i + 1; j < slices.length; j++) {
      const a = slices[i]?.[signal] ?? null;
      const b = slices[j]?.[signal] ?? null;
      if (a === null || b === null) continue;
      const move = ratio ? (a > 0 && b > 0 ? Math.abs(Math.log(a / b)) : 0) : Math.abs(a - b);
      widest = Math.max(widest, move);
    }
  return Math.max(widest, ratio ? RATIO_FLOOR : SHARE_FLOOR);
}

export async function healthyVariation(
  store: Store,
  filter: Omit<RequestFilter, 'range'>,
  baseline: TimeRange,
): Promise<HealthyVariation> {
  const third = (baseline.toUs - baseline.fromUs) / 3;
  const slices = await Promise.all(
    [0, 1, 2].map((i) =>
      windowStats(store, filter, {
        fromUs: baseline.fromUs + i * third,
        toUs: baseline.fromUs + (i + 1) * third,
      }),
    ),
  );
  const variation = {} as HealthyVariation;
  for (const signal of RATIO_SIGNALS) variation[signal] = spread(slices, signal, true);
  for (const signal of SHARE_SIGNALS) variation[signal] = spread(slices, signal, false);
  return variation;
}

/**
 * How many healthy variations a change is, turned into a weight: 0 at one (a healthy window
 * could move this much), 1 from 2.5 on. Ratio signals compare logs; shares compare differences.
 */
export function significance(
  variation: HealthyVariation,
  signal: RatioSignal | ShareSignal,
  before: number | null,
  after: number | null,
): number {
  if (before === null || after === null) return 0;
  const ratio = (RATIO_SIGNALS as readonly string[]).includes(signal);
  const move = ratio
    ? before > 0 && after > 0
      ? Math.abs(Math.log(after / before))
      : 0
    : Math.abs(after - before);
  const z = move / variation[signal];
  return Math.min(1, Math.max(0, (z - 1) / 1.5));
}
