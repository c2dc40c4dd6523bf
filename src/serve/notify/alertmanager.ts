import { createHash } from 'node:crypto';
import type { AlertNotification } from './alert-notification.ts';
import { evidenceLines, impactLine, rootCauseLine, rootCauseTitle, usd } from './alert-notification.ts';

const ZERO_TIME = '0001-01-01T00:00:00Z';
const iso = (us: number) => new Date(us / 1000).toISOString();

/** Alertmanager's fingerprint is a hash of the sorted label set; ours is the same idea (16 hex). */
function fingerprint(labels: Record<string, string>): string {
  const text = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join('\xff');
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/**
 * The body Alertmanager's webhook_config POSTs (version "4"), so any receiver written for
 * Alertmanager takes our alerts unchanged. Evidence, root cause and impact travel as annotations.
 */
export function alertmanagerPayload(n: AlertNotification, receiver: string, externalUrl: string) {
  const labels = { ...n.labels };
  const annotations: Record<string, string> = { ...n.annotations };
  if (n.report) {
    annotations.root_cause = rootCauseLine(n.report);
    annotations.root_cause_kind = rootCauseTitle(n.report);
    annotations.evidence = evidenceLines(n.report).join('\n');
    annotations.dollar_impact = impactLine(n.report);
    annotations.dollar_impact_usd = usd(n.report.impact.totalUsd);
  }
  const alert = {
    status: n.status,
    labels,
    annotations,
    startsAt: iso(n.startsAtUs),
    endsAt: n.endsAtUs === null ? ZERO_TIME : iso(n.endsAtUs),
    generatorURL: n.url ?? externalUrl,
    fingerprint: fingerprint(labels),
  };
  const groupLabels = { alertname: labels.alertname ?? '', slo: n.slo };
  return {
    version: '4',
    groupKey: `{}:{alertname=${JSON.stringify(groupLabels.alertname)}, slo=${JSON.stringify(n.slo)}}`,
    truncatedAlerts: 0,
    status: n.status,
    receiver,
    groupLabels,
    commonLabels: labels,
    commonAnnotations: annotations,
    externalURL: externalUrl,
    alerts: [alert],
  };
}
