import type { Logger } from '../util/log.ts';
import type { RetentionPolicy, RetentionResult, Store } from './store.ts';

/**
 * Applies the retention policy now and then (hourly by default). A failure is logged and retried
 * at the next tick; it never stops the process.
 */
export class RetentionJob {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<RetentionResult | null> | null = null;
  runs = 0;
  failures = 0;

  constructor(
    private readonly store: Store,
    private readonly policy: RetentionPolicy,
    private readonly log: Logger,
    private readonly nowUs: () => number = () => Date.now() * 1000,
  ) {}

  /** One pass; concurrent calls share the pass in progress. */
  runOnce(): Promise<RetentionResult | null> {
    this.running ??= this.store
      .applyRetention(this.policy, this.nowUs())
      .then((result) => {
        this.runs++;
        this.log.info({ cutoffUs: result.cutoffUs }, 'retention applied');
        return result;
      })
      .catch((err: unknown) => {
        this.failures++;
        this.log.error({ err }, 'retention failed; will retry');
        return null;
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  start(intervalMs = 3_600_000): void {
    void this.runOnce();
    this.timer = setInterval(() => void this.runOnce(), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
