import type { AlertReport } from './alert-evidence.ts';
import type { Digest } from './digest.ts';

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

/** Where the evaluator sends alerts and digests (serve/notify renders and delivers them). */
export interface AlertSink {
  /** To the named receivers, or to all when none are named. Must not block. */
  alert(notification: AlertNotification, receiverNames: readonly string[]): void;
  digest(digest: Digest, receiverName: string): void;
}
