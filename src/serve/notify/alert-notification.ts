import type { AlertReport } from '../../analyze/slo/alert-evidence.ts';
import { CAUSE_TITLES } from '../../analyze/rca/compare-windows.ts';

/** One alert going out, in a neutral form each receiver kind renders its own way. */
export interface AlertNotification {
  status: 'firing' | 'resolved';
  slo: string;
  /** The burn-rate alert, e.g. page-1h. */
  alert: string;
  severity: 'page' | 'ticket';
  /** The same labels as the generated Prometheus rule's alert, so both dedupe alike. */
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAtUs: number;
  endsAtUs: number | null;
  /** Error ratios over both windows, the ratio both must exceed, and the burn rates behind them. */
  burn: {
    longWindow: string;
    shortWindow: string;
    long: number;
    short: number;
    threshold: number;
    longBurnRate: number;
    alertBurnRate: number;
  };
  /** Evidence, root cause and dollar impact; null on resolve. */
  report: AlertReport | null;
  /** Where a person can look further (the API's alert view). */
  url: string | null;
}

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
