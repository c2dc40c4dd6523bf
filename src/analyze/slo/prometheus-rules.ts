import { alertWindowsUs, type SloSpec } from './spec.ts';

/** Counters KubeBurner exports for every configured SLO (serve/canonical-metrics.ts). */
export const SLO_EVENTS_METRIC = 'kubeburner_slo_events_total';
export const SLO_EVENT_TOKENS_METRIC = 'kubeburner_slo_event_tokens_total';
export const BURN_RATE_ALERT = 'KubeBurnerSLOBurnRate';

/** Prometheus duration text for a window in µs (1h, 30m, 3d …). */
export function promDuration(us: number): string {
  const s = us / 1e6;
  if (s % 86_400 === 0) return `${s / 86_400}d`;
  if (s % 3600 === 0) return `${s / 3600}h`;
  if (s % 60 === 0) return `${s / 60}m`;
  return `${s}s`;
}

/** The error ratio an alert fires above: its burn rate × the error budget. */
export function alertThreshold(spec: SloSpec, burnRate: number): number {
  return burnRate * (1 - spec.objective);
}

export function errorRatioRecord(window: string): string {
  return `kubeburner_slo:error_ratio:rate${window}`;
}

export interface PromRule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  keep_firing_for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Fixed annotations (no templated values), so a promtool unit test can state them exactly. */
export function alertAnnotations(spec: SloSpec, alert: SloSpec['alerts'][number]): Record<string, string> {
  return {
    summary: `SLO ${spec.name} is burning its error budget ${alert.burnRate.toFixed(2)}× too fast`,
    description:
      `Both the ${promDuration(alert.longUs)} and ${promDuration(alert.shortUs)} error ratios exceed ` +
      `${alert.burnRate.toFixed(2)} × the budget of ${(100 * (1 - spec.objective)).toPrecision(3)} %: at this rate ` +
      `${(100 * alert.budgetConsumed).toFixed(0)} % of the ${promDuration(spec.windowUs)} budget is gone in ${promDuration(alert.longUs)}.`,
    runbook: 'kubeburner slo status ' + spec.name,
  };
}

/**
 * One rule group per SLO: error-ratio recording rules for every window its alerts use, then the
 * multi-window burn-rate alerts. Recording rules come first in the same group, so each alert
 * reads ratios computed at the same evaluation (no one-interval lag). Ratios come from counters
 * of good and total events, never from averaged ratios (Sloth issue 332).
 */
export function sloRuleGroup(
  spec: SloSpec,
  evaluationInterval: string,
): { name: string; interval: string; rules: PromRule[] } {
  const metric = spec.tokenWeighted ? SLO_EVENT_TOKENS_METRIC : SLO_EVENTS_METRIC;
  const windows = alertWindowsUs(spec);
  const slo = JSON.stringify(spec.name);
  const records: PromRule[] = windows.map((us) => {
    const w = promDuration(us);
    return {
      record: errorRatioRecord(w),
      expr:
        `sum(rate(${metric}{slo=${slo},outcome="bad"}[${w}]))\n/\n` +
        `sum(rate(${metric}{slo=${slo}}[${w}]))`,
      labels: { slo: spec.name },
    };
  });
  const alerts: PromRule[] = spec.alerts.map((alert) => {
    const threshold = String(alertThreshold(spec, alert.burnRate));
    const long = promDuration(alert.longUs);
    const short = promDuration(alert.shortUs);
    return {
      alert: BURN_RATE_ALERT,
      expr:
        `${errorRatioRecord(long)}{slo=${slo}} > ${threshold}\nand\n` +
        `${errorRatioRecord(short)}{slo=${slo}} > ${threshold}`,
      for: promDuration(spec.forUs),
      keep_firing_for: promDuration(spec.keepFiringForUs),
      labels: { severity: alert.severity, slo: spec.name, window: alert.name },
      annotations: alertAnnotations(spec, alert),
    };
  });
  return {
    name: `kubeburner-slo-${spec.name}`,
    interval: evaluationInterval,
    rules: [...records, ...alerts],
  };
}

export function prometheusRules(specs: readonly SloSpec[], evaluationInterval: string) {
  return { groups: specs.map((spec) => sloRuleGroup(spec, evaluationInterval)) };
}

/** The same rules as a prometheus-operator PrometheusRule custom resource. */
export function prometheusRuleResource(
  specs: readonly SloSpec[],
  evaluationInterval: string,
  metadata: { name: string; namespace: string; labels?: Record<string, string> },
) {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: metadata.name, namespace: metadata.namespace, labels: metadata.labels ?? {} },
    spec: prometheusRules(specs, evaluationInterval),
  };
}
