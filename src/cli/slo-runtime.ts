import { alertProposer } from '../analyze/recommend/alert-proposals.ts';
import type { RecommendationBook } from '../analyze/recommend/decisions.ts';
import { SloEvaluator } from '../analyze/slo/evaluator.ts';
import { sloSpec } from '../analyze/slo/spec.ts';
import type { KubeBurnerConfig } from '../config/schema.ts';
import { NotificationDispatcher } from '../serve/notify/dispatcher.ts';
import { AlertNotifier } from '../serve/notify/notifier.ts';
import type { Store } from '../store/store.ts';
import type { Logger } from '../util/log.ts';
import { parseDurationMs } from '../util/time.ts';

export interface SloRuntime {
  evaluator: SloEvaluator;
  dispatcher: NotificationDispatcher;
  stop(): Promise<void>;
}

/**
 * The live SLO evaluator with its notification delivery, as `collect` and `demo` run it. Every
 * delivery outcome is kept in the events table next to the alerts. Null without SLOs.
 */
export async function startSloRuntime(options: {
  config: KubeBurnerConfig;
  store: Store;
  /** Epoch µs now (the simulator's clock in the demo). */
  clock: () => number;
  log: Logger;
  slos?: KubeBurnerConfig['slos'];
  /** Where firing alerts' proposals are recorded (recommendations.manifests_dir), if set. */
  recommendations?: RecommendationBook | null;
  /**
   * Status for display only (`kubeburner serve`): store nothing, notify and propose nothing, so a
   * UI beside the collector never pages twice.
   */
  readOnly?: boolean;
}): Promise<SloRuntime | null> {
  const { config, store, clock, log } = options;
  const slos = options.slos ?? config.slos;
  if (slos.length === 0) return null;
  const alerting = config.alerting;
  const dispatcher = new NotificationDispatcher(alerting.receivers, {
    log,
    onOutcome: (outcome) => {
      const { receiver, state, ...body } = outcome;
      store
        .writeEvents([{ timeUs: clock(), kind: 'notification', subject: receiver, state, body }])
        .catch((err: unknown) => log.error({ err }, 'could not record a notification outcome'));
    },
  });
  const evaluator = new SloEvaluator({
    store,
    specs: slos.map(sloSpec),
    intervalUs: parseDurationMs(alerting.evaluation_interval) * 1000,
    delayUs: parseDurationMs(alerting.evaluation_delay) * 1000,
    clock,
    notifier: options.readOnly ? null : new AlertNotifier(dispatcher, alerting.external_url ?? null),
    proposer:
      options.recommendations && !options.readOnly ? alertProposer(store, options.recommendations) : null,
    digest:
      alerting.digest && !options.readOnly
        ? { receiver: alerting.digest.receiver, hourUtc: alerting.digest.hour_utc }
        : null,
    externalUrl: alerting.external_url ?? null,
    readOnly: options.readOnly ?? false,
    log,
  });
  await evaluator.restore();
  evaluator.start();
  return {
    evaluator,
    dispatcher,
    async stop() {
      await evaluator.stop();
      await dispatcher.drain(5000);
      dispatcher.stop();
    },
  };
}
