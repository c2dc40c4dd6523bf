import type { Store, TimeRange } from '../../store/store.ts';
import { AlertTracker, type AlertTransition } from './alert-state.ts';
import { alertCondition, fetchEventSeries } from './burn-rate.ts';
import { longestAlertWindowUs, type SloSpec } from './spec.ts';

export interface ReplayedTransition extends AlertTransition {
  alert: string;
  severity: 'page' | 'ticket';
}

export interface SloReplay {
  /** Evaluation times, every stepUs from range.fromUs (exclusive) to range.toUs (inclusive). */
  times: number[];
  /** Per evaluation time, the alerts firing then. */
  firing: string[][];
  transitions: ReplayedTransition[];
}

/**
 * Evaluates an SLO's alerts at every step of a past range, as a Prometheus rule group would have:
 * "would this SLO have paged last week?". Also the reference the live evaluator and the
 * generated Prometheus rules are held to. Events are bucketed by the step, so alert windows must
 * be whole multiples of it.
 */
export async function replaySlo(
  store: Store,
  spec: SloSpec,
  range: TimeRange,
  stepUs: number,
): Promise<SloReplay> {
  const lookback = longestAlertWindowUs(spec);
  const series = await fetchEventSeries(
    store,
    spec,
    { fromUs: range.fromUs - lookback, toUs: range.toUs },
    stepUs,
  );
  const trackers = spec.alerts.map(() => new AlertTracker(spec.forUs, spec.keepFiringForUs));
  const replay: SloReplay = { times: [], firing: [], transitions: [] };
  for (let t = range.fromUs + stepUs; t <= range.toUs; t += stepUs) {
    spec.alerts.forEach((alert, i) => {
      const transition = trackers[i]!.step(t, alertCondition(series, spec, alert, t).active);
      if (transition) replay.transitions.push({ ...transition, alert: alert.name, severity: alert.severity });
    });
    replay.times.push(t);
    replay.firing.push(spec.alerts.filter((_, i) => trackers[i]!.state === 'firing').map((a) => a.name));
  }
  return replay;
}
