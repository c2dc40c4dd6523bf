import type { MetricSample } from '../../model/metric-sample.ts';
import type { OpsEvent } from '../../model/ops-event.ts';
import type { Store } from '../../store/store.ts';
import type { Logger } from '../../util/log.ts';
import type { AlertNotification, AlertSink } from './notification.ts';
import type { AlertProposer } from '../recommend/alert-proposals.ts';
import { explainAlert, type AlertReport } from './alert-evidence.ts';
import { AlertTracker, type AlertState } from './alert-state.ts';
import {
  alertCondition,
  fetchEventSeries,
  windowBurn,
  type EventSeries,
  type WindowBurn,
} from './burn-rate.ts';
import { buildDigest } from './digest.ts';
import { sloBandEvents, sloMeasures, sloRequestFilter } from './events.ts';
import { alertAnnotations, alertThreshold, BURN_RATE_ALERT, promDuration } from './prometheus-rules.ts';
import { alertWindowsUs, longestAlertWindowUs, type BurnRateAlert, type SloSpec } from './spec.ts';

export interface AlertStatus {
  alert: string;
  severity: 'page' | 'ticket';
  burnRate: number;
  /** The error ratio both windows must exceed. */
  threshold: number;
  long: WindowBurn & { window: string };
  short: WindowBurn & { window: string };
  state: AlertState;
  activeSinceUs: number | null;
  firedAtUs: number | null;
}

export interface SloStatus {
  slo: string;
  description: string | null;
  selector: SloSpec['selector'];
  objective: number;
  window: string;
  tokenWeighted: boolean;
  evaluatedAtUs: number;
  /** Over the SLO window. */
  good: number;
  total: number;
  /** good ÷ total over the SLO window; null without events. */
  sli: number | null;
  /** 1 − spent share of the budget: 1 untouched, 0 spent, below 0 overspent. */
  budgetRemaining: number;
  bands: { band: string; good: number; total: number; errorRatio: number }[];
  /** Error ratio and burn rate over every window the alerts use, shortest first. */
  windows: (WindowBurn & { window: string })[];
  alerts: AlertStatus[];
}

export interface SloEvaluatorOptions {
  store: Store;
  specs: readonly SloSpec[];
  intervalUs: number;
  /** Evaluate this far behind the clock (late requests still arriving). */
  delayUs: number;
  /** Epoch µs now: wall time, or the simulator's clock in the demo. */
  clock: () => number;
  notifier?: AlertSink | null;
  /** Proposes changes when an alert fires (recorded for a person to decide; never applied). */
  proposer?: AlertProposer | null;
  digest?: { receiver: string; hourUtc: number } | null;
  externalUrl?: string | null;
  log?: Logger;
  /** Compute only: store nothing, notify no one (`kubeburner slo status`). */
  readOnly?: boolean;
}

const DAY_US = 86_400e6;

/**
 * The in-process SLO evaluator: every evaluation interval it computes each SLO's SLI, budget
 * and burn rates on the store, steps the burn-rate alerts (Prometheus for/keep_firing_for
 * semantics, the same code `slo replay` uses), stores the status as metric samples and every
 * alert transition as an event, and notifies with evidence, root cause and dollar impact.
 * Notifications are queued, never awaited: a slow receiver cannot delay an evaluation.
 */
export class SloEvaluator {
  private readonly trackers = new Map<string, AlertTracker[]>();
  private readonly latest = new Map<string, SloStatus>();
  private lastEvaluatedUs = -Infinity;
  private lastDigestDay = -1;
  private running: Promise<unknown> | null = null;
  private timer: NodeJS.Timeout | null = null;
  evaluations = 0;
  failures = 0;

  constructor(private readonly options: SloEvaluatorOptions) {
    for (const spec of options.specs)
      this.trackers.set(
        spec.name,
        spec.alerts.map(() => new AlertTracker(spec.forUs, spec.keepFiringForUs)),
      );
  }

  /** The SLOs evaluated, as configured. */
  get specs(): readonly SloSpec[] {
    return this.options.specs;
  }

  /** The latest status of every SLO evaluated so far. */
  status(): SloStatus[] {
    return this.options.specs.flatMap((spec) => this.latest.get(spec.name) ?? []);
  }

  /**
   * Picks up alert states from stored events after a restart, so a firing alert neither pages
   * again nor is forgotten.
   */
  async restore(): Promise<void> {
    const now = this.options.clock();
    const events = await this.options.store.listEvents({
      range: { fromUs: now - 3 * DAY_US, toUs: now + 1 },
      kinds: ['slo_alert'],
      limit: 10_000,
    });
    const seen = new Set<string>();
    for (const event of events) {
      if (seen.has(event.subject)) continue;
      seen.add(event.subject);
      const [slo, alertName] = event.subject.split('/');
      const spec = this.options.specs.find((s) => s.name === slo);
      const index = spec?.alerts.findIndex((a) => a.name === alertName) ?? -1;
      const tracker = index >= 0 ? this.trackers.get(slo as string)?.[index] : undefined;
      if (!tracker) continue;
      const since = typeof event.body.activeSinceUs === 'number' ? event.body.activeSinceUs : event.timeUs;
      if (event.state === 'firing') {
        tracker.state = 'firing';
        tracker.activeSinceUs = since;
        tracker.firedAtUs = event.timeUs;
      } else if (event.state === 'pending') {
        tracker.state = 'pending';
        tracker.activeSinceUs = since;
      }
    }
  }

  /** Evaluates every SLO at one time (aligned to the interval by the caller or not). */
  async evaluateAt(atUs: number): Promise<SloStatus[]> {
    const samples: MetricSample[] = [];
    const events: OpsEvent[] = [];
    const statuses: SloStatus[] = [];
    for (const spec of this.options.specs) {
      const status = await this.evaluateSlo(spec, atUs, samples, events);
      this.latest.set(spec.name, status);
      statuses.push(status);
    }
    this.lastEvaluatedUs = atUs;
    this.evaluations++;
    if (this.options.readOnly) return statuses;
    await this.options.store.writeMetricSamples(samples);
    await this.options.store.writeEvents(events);
    await this.maybeSendDigest(atUs, statuses);
    return statuses;
  }

  private async evaluateSlo(
    spec: SloSpec,
    atUs: number,
    samples: MetricSample[],
    events: OpsEvent[],
  ): Promise<SloStatus> {
    const { store, intervalUs } = this.options;
    const lookback = Math.max(longestAlertWindowUs(spec), intervalUs);
    const series = await fetchEventSeries(store, spec, { fromUs: atUs - lookback, toUs: atUs }, intervalUs);
    const [row] = await store.aggregateRequests({
      ...sloRequestFilter(spec, { fromUs: atUs - spec.windowUs, toUs: atUs }),
      groupBy: [],
      measures: sloMeasures(spec),
    });
    const bands = sloBandEvents(spec, row).map((b) => ({
      ...b,
      errorRatio: b.total > 0 ? (b.total - b.good) / b.total : 0,
    }));
    const overall = windowBurn(bands, spec.objective);
    const windows = alertWindowsUs(spec).map((us) => ({
      window: promDuration(us),
      ...windowBurn(series.window(atUs, us), spec.objective),
    }));

    const trackers = this.trackers.get(spec.name) as AlertTracker[];
    const alerts: AlertStatus[] = [];
    for (const [i, alert] of spec.alerts.entries()) {
      const tracker = trackers[i] as AlertTracker;
      const condition = alertCondition(series, spec, alert, atUs);
      const transition = tracker.step(atUs, condition.active);
      const status: AlertStatus = {
        alert: alert.name,
        severity: alert.severity,
        burnRate: alert.burnRate,
        threshold: alertThreshold(spec, alert.burnRate),
        long: { window: promDuration(alert.longUs), ...condition.long },
        short: { window: promDuration(alert.shortUs), ...condition.short },
        state: tracker.state,
        activeSinceUs: tracker.state === 'inactive' ? null : tracker.activeSinceUs,
        firedAtUs: tracker.state === 'firing' ? tracker.firedAtUs : null,
      };
      alerts.push(status);
      if (transition) {
        const state =
          transition.to === 'inactive' && transition.from === 'firing' ? 'resolved' : transition.to;
        const report =
          state === 'firing' && !this.options.readOnly ? await this.explain(spec, alert, series, atUs) : null;
        events.push({
          timeUs: atUs,
          kind: 'slo_alert',
          subject: `${spec.name}/${alert.name}`,
          state,
          body: { ...status, slo: spec.name, activeSinceUs: tracker.activeSinceUs, report },
        });
        if (state === 'firing' || state === 'resolved') this.notify(spec, alert, status, state, report, atUs);
      }
      samples.push(
        this.sample(spec, atUs, 'kubeburner.slo.alert_firing', tracker.state === 'firing' ? 1 : 0, {
          alert: alert.name,
        }),
      );
    }

    samples.push(this.sample(spec, atUs, 'kubeburner.slo.error_budget_remaining', 1 - overall.burnRate));
    if (overall.total > 0)
      samples.push(this.sample(spec, atUs, 'kubeburner.slo.sli', overall.good / overall.total));
    for (const w of windows)
      samples.push(this.sample(spec, atUs, 'kubeburner.slo.burn_rate', w.burnRate, { window: w.window }));

    return {
      slo: spec.name,
      description: spec.description,
      selector: spec.selector,
      objective: spec.objective,
      window: promDuration(spec.windowUs),
      tokenWeighted: spec.tokenWeighted,
      evaluatedAtUs: atUs,
      good: overall.good,
      total: overall.total,
      sli: overall.total > 0 ? overall.good / overall.total : null,
      // Budget spent over the SLO window = error ratio ÷ budget ratio, i.e. the window's burn rate.
      budgetRemaining: 1 - overall.burnRate,
      bands,
      windows,
      alerts,
    };
  }

  private async explain(
    spec: SloSpec,
    alert: BurnRateAlert,
    series: EventSeries,
    atUs: number,
  ): Promise<AlertReport | null> {
    let report: AlertReport;
    try {
      report = await explainAlert(this.options.store, spec, alert, series, atUs);
    } catch (err) {
      // The alert still goes out, without its evidence.
      this.options.log?.error({ err, slo: spec.name, alert: alert.name }, 'could not gather alert evidence');
      return null;
    }
    const proposer = this.options.proposer;
    if (proposer)
      try {
        report.proposals = (await proposer(spec, report, atUs)).map(({ id, title }) => ({ id, title }));
      } catch (err) {
        this.options.log?.error({ err, slo: spec.name }, 'could not propose changes for the alert');
      }
    return report;
  }

  private notify(
    spec: SloSpec,
    alert: BurnRateAlert,
    status: AlertStatus,
    state: 'firing' | 'resolved',
    report: AlertReport | null,
    atUs: number,
  ): void {
    const notifier = this.options.notifier;
    if (!notifier || this.options.readOnly) return;
    const base = this.options.externalUrl?.replace(/\/$/, '');
    const notification: AlertNotification = {
      status: state,
      slo: spec.name,
      alert: alert.name,
      severity: alert.severity,
      labels: { alertname: BURN_RATE_ALERT, severity: alert.severity, slo: spec.name, window: alert.name },
      annotations: alertAnnotations(spec, alert),
      startsAtUs: status.activeSinceUs ?? atUs,
      endsAtUs: state === 'resolved' ? atUs : null,
      burn: {
        longWindow: status.long.window,
        shortWindow: status.short.window,
        long: status.long.errorRatio,
        short: status.short.errorRatio,
        threshold: status.threshold,
        longBurnRate: status.long.burnRate,
        alertBurnRate: alert.burnRate,
      },
      report,
      url: base ? `${base}/api/slo/${encodeURIComponent(spec.name)}` : null,
    };
    try {
      notifier.alert(notification, spec.notify);
    } catch (err) {
      this.options.log?.error({ err, slo: spec.name }, 'could not queue the notification');
    }
  }

  private sample(
    spec: SloSpec,
    atUs: number,
    name: string,
    value: number,
    labels: Record<string, string> = {},
  ): MetricSample {
    return {
      timeMs: Math.floor(atUs / 1000),
      name,
      value,
      cluster: spec.selector.cluster ?? '',
      model: spec.selector.model ?? '',
      replica: '',
      engine: '',
      labels: { slo: spec.name, ...labels },
    };
  }

  private async maybeSendDigest(atUs: number, statuses: readonly SloStatus[]): Promise<void> {
    const { digest, notifier, store } = this.options;
    if (!digest || !notifier) return;
    const day = Math.floor(atUs / DAY_US);
    const hour = Math.floor((atUs % DAY_US) / 3600e6);
    if (hour !== digest.hourUtc || day === this.lastDigestDay) return;
    this.lastDigestDay = day;
    try {
      notifier.digest(
        await buildDigest(store, statuses, { fromUs: atUs - DAY_US, toUs: atUs }),
        digest.receiver,
      );
    } catch (err) {
      this.options.log?.error({ err }, 'could not build the daily digest');
    }
  }

  /** The evaluation time due now (aligned to the interval), or null when it already ran. */
  dueAt(): number | null {
    const { clock, delayUs, intervalUs } = this.options;
    const due = Math.floor((clock() - delayUs) / intervalUs) * intervalUs;
    return due > this.lastEvaluatedUs ? due : null;
  }

  /**
   * Checks the clock every pollMs and evaluates when an interval has passed. Missed intervals are
   * not replayed (as Prometheus does); an evaluation never overlaps the previous one.
   */
  start(pollMs = 1000): void {
    if (this.timer) return;
    const tick = () => {
      if (this.running) return;
      const due = this.dueAt();
      if (due === null) return;
      this.running = this.evaluateAt(due)
        .catch((err: unknown) => {
          this.failures++;
          this.lastEvaluatedUs = due; // do not retry the same instant in a tight loop
          this.options.log?.error({ err }, 'SLO evaluation failed');
        })
        .finally(() => {
          this.running = null;
        });
    };
    this.timer = setInterval(tick, pollMs);
    this.timer.unref();
    tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
