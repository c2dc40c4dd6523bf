import type { Store, TimeRange } from '../../store/store.ts';
import { chargebackReport } from '../cost/chargeback.ts';
import type { SloStatus } from './evaluator.ts';

/** The daily digest: each SLO's state and the last 24 hours' spend by team. */
export interface Digest {
  fromUs: number;
  toUs: number;
  slos: { slo: string; objective: number; sli: number | null; budgetRemaining: number; firing: string[] }[];
  spendByTeam: { team: string; costUsd: number; requests: number }[];
  totalSpendUsd: number;
  idleUsd: number;
  alertsFired: number;
}

export async function buildDigest(
  store: Store,
  statuses: readonly SloStatus[],
  range: TimeRange,
): Promise<Digest> {
  const report = await chargebackReport(store, { range, by: ['team'], granularity: 'total' });
  const spendByTeam = report.rows
    .filter((row) => row.kind === 'usage')
    .map((row) => ({ team: row.group.team ?? '', costUsd: row.costUsd, requests: row.requests }))
    .sort((a, b) => b.costUsd - a.costUsd);
  const fired = await store.listEvents({ range, kinds: ['slo_alert'], limit: 100_000 });
  return {
    fromUs: range.fromUs,
    toUs: range.toUs,
    slos: statuses.map((s) => ({
      slo: s.slo,
      objective: s.objective,
      sli: s.sli,
      budgetRemaining: s.budgetRemaining,
      firing: s.alerts.filter((a) => a.state === 'firing').map((a) => a.alert),
    })),
    spendByTeam,
    totalSpendUsd: report.totals.costUsd,
    idleUsd: report.idleCostUsd,
    alertsFired: fired.filter((e) => e.state === 'firing').length,
  };
}
