/**
 * Something that happened in KubeBurner's own operation, kept as history: an SLO alert changing
 * state, a notification delivered or given up on, a recommendation proposed, applied or rolled
 * back (with who decided: the audit log). Low volume (a few per evaluation at most), so
 * the details travel as a JSON body rather than as columns.
 */
export const OPS_EVENT_KINDS = ['slo_alert', 'notification', 'recommendation'] as const;
export type OpsEventKind = (typeof OPS_EVENT_KINDS)[number];

export interface OpsEvent {
  /** Epoch microseconds. */
  timeUs: number;
  kind: OpsEventKind;
  /** What it is about, e.g. `chat-ttft/page-1h` for an SLO alert. */
  subject: string;
  /** e.g. pending, firing, resolved; delivered, failed, dropped. */
  state: string;
  body: Record<string, unknown>;
}
