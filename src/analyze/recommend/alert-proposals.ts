import type { Store } from '../../store/store.ts';
import type { AlertReport } from '../slo/alert-evidence.ts';
import { sloRequestFilter } from '../slo/events.ts';
import type { SloSpec } from '../slo/spec.ts';
import type { RecommendationBook } from './decisions.ts';
import { recommend, type Recommendation } from './recommendation.ts';

/** Proposes changes when an alert fires; the evaluator adds what it returns to the alert. */
export type AlertProposer = (spec: SloSpec, report: AlertReport, atUs: number) => Promise<Recommendation[]>;

/**
 * Turns a firing alert's root-cause comparison into proposals for the workloads behind it: the
 * SLO's own workload when its selector names one, else every workload whose requests the SLO
 * counted in the alert's window and that has a manifest in the target. The proposals are only
 * recorded (the book skips ones already known); a person previews and applies them.
 */
export function alertProposer(store: Store, book: RecommendationBook): AlertProposer {
  const { target } = book;
  return async (spec, report, atUs) => {
    const workloads = spec.selector.workload
      ? [spec.selector.workload]
      : (
          await store.aggregateRequests({
            ...sloRequestFilter(spec, report.window),
            groupBy: ['workload'],
            measures: [{ fn: 'count' }],
          })
        ).flatMap((row) => (row.group.workload ? [row.group.workload] : []));
    const comparison = {
      window: report.window,
      baseline: report.baseline,
      phases: report.phases,
      causes: [...(report.rootCause ? [report.rootCause] : []), ...report.otherCauses],
    };
    const proposals = workloads
      .filter((w) => target.has(w))
      .sort()
      .flatMap((w) => recommend(comparison, target.facts(w), atUs));
    return (await book.proposeAll(proposals)).recorded;
  };
}
