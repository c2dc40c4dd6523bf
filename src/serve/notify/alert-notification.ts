import type { AlertReport } from '../../analyze/slo/alert-evidence.ts';
import { CAUSE_TITLES } from '../../analyze/rca/compare-windows.ts';

export type { AlertNotification } from '../../analyze/slo/notification.ts';

export const usd = (x: number) => {
  if (x === 0) return '$0';
  return x >= 100 ? `$${Math.round(x).toLocaleString('en-US')}` : `$${x.toFixed(x >= 1 ? 2 : 4)}`;
};
export const pct = (x: number) => `${(x * 100).toFixed(x < 0.01 ? 2 : 1)} %`;

/** "queue saturation: queue time 4.2× (…)", or a plain statement that none was found. */
export function rootCauseLine(report: AlertReport | null): string {
  if (!report) return '';
  if (!report.rootCause) return 'no single cause stands out (see evidence)';
  return report.rootCause.summary;
}

export function rootCauseTitle(report: AlertReport | null): string {
  return report?.rootCause ? CAUSE_TITLES[report.rootCause.cause] : 'unknown';
}

/** One line per piece of evidence, shared by the Slack and webhook renderings. */
export function evidenceLines(report: AlertReport): string[] {
  const lines: string[] = [];
  const band = report.bands[0];
  if (band && band.total > 0)
    lines.push(
      band.band !== 'all'
        ? `worst band: prompts ${band.band} tokens, ${pct(band.errorRatio)} bad (${Math.round(band.bad)} of ${Math.round(band.total)})`
        : `${pct(band.errorRatio)} bad (${Math.round(band.bad)} of ${Math.round(band.total)})`,
    );
  if (report.replicas.length > 0)
    lines.push(
      `replicas: ${report.replicas
        .slice(0, 3)
        .map((r) => `${r.replica} ${pct(r.shareOfBad)} of bad`)
        .join(', ')}`,
    );
  if (report.phases)
    lines.push(
      `latency rise: queue ${pct(report.phases.queue)}, prefill ${pct(report.phases.prefill)}, decode ${pct(report.phases.decode)}`,
    );
  for (const p of report.proposals ?? [])
    lines.push(`proposed change (needs a decision): ${p.title} [${p.id}]`);
  return lines;
}

export function impactLine(report: AlertReport): string {
  const i = report.impact;
  return (
    `${usd(i.totalUsd)} in the last ${Math.round(i.windowUs / 60e6)} min (${usd(i.perHourUsd)}/h): ` +
    `${usd(i.badEventSpendUsd)} on requests that broke the SLO, ${usd(i.retrySpendUsd)} retries, ` +
    `${usd(i.extraGpuSpendUsd)} extra GPU time`
  );
}
