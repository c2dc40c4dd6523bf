import { Link } from 'react-router';
import { ms, num, pct, usd } from '../format.ts';
import type { AlertReport, Evidence } from '../types.ts';

function value(v: number | null, unit: string): string {
  if (v === null) return '—';
  if (unit === 'us' || unit === 'µs') return ms(v);
  if (unit === 'ratio') return pct(v, 1);
  if (unit === 'usd') return usd(v);
  return `${num(v, v < 10 ? 2 : 0)}${unit && unit !== 'count' ? ` ${unit}` : ''}`;
}

export function EvidenceTable({ evidence }: { evidence: Evidence[] }) {
  if (evidence.length === 0) return null;
  return (
    <table className="evidence">
      <thead>
        <tr>
          <th>Signal</th>
          <th className="num">Before</th>
          <th className="num">During</th>
          <th className="num">×</th>
        </tr>
      </thead>
      <tbody>
        {evidence.map((e) => (
          <tr key={e.metric}>
            <td>{e.metric}</td>
            <td className="num">{value(e.before, e.unit)}</td>
            <td className="num">{value(e.after, e.unit)}</td>
            <td className="num">{e.ratio === null ? '—' : e.ratio.toFixed(1)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** An alert's report: root cause with its evidence, where the bad events were, what it cost. */
export function AlertEvidence({ report }: { report: AlertReport }) {
  return (
    <div className="alert-evidence">
      <p className="root-cause" data-testid="incident-cause">
        <b>Root cause:</b>{' '}
        {report.rootCause
          ? `${report.rootCause.summary} (score ${report.rootCause.score.toFixed(2)})`
          : 'no single cause explains enough of the change'}
      </p>
      {report.rootCause ? <EvidenceTable evidence={report.rootCause.evidence} /> : null}
      {report.otherCauses.length > 0 ? (
        <p className="note">
          Also ranked: {report.otherCauses.map((c) => `${c.summary} (${c.score.toFixed(2)})`).join('; ')}
        </p>
      ) : null}
      <p>
        <b>Impact:</b> {usd(report.impact.totalUsd, 2)} over the long window (
        {usd(report.impact.perHourUsd, 2)}/h): {usd(report.impact.badEventSpendUsd, 2)} spent on requests that
        broke the SLO, {usd(report.impact.extraGpuSpendUsd, 2)} of extra GPU time.
      </p>
      {report.phases ? (
        <p>
          <b>Where the extra latency went:</b> queue {pct(report.phases.queue, 0)}, prefill{' '}
          {pct(report.phases.prefill, 0)}, decode {pct(report.phases.decode, 0)}
        </p>
      ) : null}
      {report.replicas.length > 0 ? (
        <p>
          <b>Worst replicas:</b>{' '}
          {report.replicas.map((r) => `${r.replica} (${pct(r.shareOfBad, 0)} of bad events)`).join(', ')}
        </p>
      ) : null}
      {report.proposals && report.proposals.length > 0 ? (
        <p>
          <b>Proposed changes:</b>{' '}
          {report.proposals.map((p) => (
            <Link key={p.id} to={`/incidents?rec=${encodeURIComponent(p.id)}`}>
              {p.title}
            </Link>
          ))}
        </p>
      ) : null}
    </div>
  );
}
