import type { ReceiverConfig } from '../../config/schema.ts';
import type { Logger } from '../../util/log.ts';

export interface DeliveryOutcome {
  receiver: string;
  state: 'delivered' | 'failed' | 'dropped';
  /** What was sent, e.g. `alert chat-ttft/page-1h firing`. */
  what: string;
  attempts: number;
  /** HTTP status of the last attempt, if one answered. */
  httpStatus: number | null;
  error: string | null;
  atMs: number;
}

export interface DispatcherOptions {
  /** Per receiver; beyond it the oldest waiting message is dropped (and reported). */
  maxQueued?: number;
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  timeoutMs?: number;
  onOutcome?: (outcome: DeliveryOutcome) => void;
  log?: Logger;
}

interface Pending {
  what: string;
  body: unknown;
  attempts: number;
  notBeforeMs: number;
}

/** 408, 429 and 5xx are worth another try; other 4xx mean the request itself is wrong. */
const retryable = (status: number) => status === 408 || status === 429 || status >= 500;

/** Retry-After in seconds or as an HTTP date; null when absent or unreadable. */
function retryAfterMs(header: string | null, nowMs: number): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, date - nowMs) : null;
}

/** One receiver's queue: delivers in order, one message at a time (Slack allows about 1 per second). */
class ReceiverQueue {
  private readonly queue: Pending[] = [];
  private busy = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly receiver: ReceiverConfig,
    private readonly options: Required<Omit<DispatcherOptions, 'onOutcome' | 'log'>> & DispatcherOptions,
    private readonly counters: NotificationDispatcher['counters'],
  ) {}

  get length(): number {
    return this.queue.length + (this.busy ? 1 : 0);
  }

  push(what: string, body: unknown): void {
    if (this.queue.length >= this.options.maxQueued) {
      const dropped = this.queue.shift() as Pending;
      this.report(dropped, 'dropped', null, `queue full (${this.options.maxQueued} waiting)`);
    }
    this.queue.push({ what, body, attempts: 0, notBeforeMs: 0 });
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.busy || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.pump();
    }, delayMs);
    this.timer.unref();
  }

  private async pump(): Promise<void> {
    const next = this.queue[0];
    if (!next) return;
    const wait = next.notBeforeMs - Date.now();
    if (wait > 0) return this.schedule(wait);
    this.queue.shift();
    this.busy = true;
    try {
      await this.attempt(next);
    } finally {
      this.busy = false;
    }
    if (this.queue.length > 0) this.schedule(0);
  }

  private async attempt(item: Pending): Promise<void> {
    item.attempts++;
    let status: number | null = null;
    let error: string;
    let retryAfter: number | null = null;
    try {
      const response = await fetch(this.receiver.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'kubeburner' },
        body: JSON.stringify(item.body),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      status = response.status;
      retryAfter = retryAfterMs(response.headers.get('retry-after'), Date.now());
      const text = await response.text().catch(() => '');
      if (response.ok) return this.report(item, 'delivered', status, null);
      error = `HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ''}`;
    } catch (err) {
      error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
    const again = status === null || retryable(status);
    if (!again || item.attempts >= this.options.maxAttempts)
      return this.report(item, 'failed', status, error);
    // Exponential back-off with full jitter, or what the receiver asked for.
    const backoff = Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** (item.attempts - 1));
    item.notBeforeMs = Date.now() + (retryAfter ?? backoff * (0.5 + Math.random() / 2));
    this.counters.retries++;
    this.options.log?.warn(
      { receiver: this.receiver.name, what: item.what, error, attempt: item.attempts },
      'notification failed; will retry',
    );
    this.queue.unshift(item); // keeps the order of messages to this receiver
  }

  private report(
    item: Pending,
    state: DeliveryOutcome['state'],
    httpStatus: number | null,
    error: string | null,
  ): void {
    this.counters[state]++;
    if (state !== 'delivered')
      this.options.log?.error(
        { receiver: this.receiver.name, what: item.what, error },
        `notification ${state}`,
      );
    this.options.onOutcome?.({
      receiver: this.receiver.name,
      state,
      what: item.what,
      attempts: item.attempts,
      httpStatus,
      error,
      atMs: Date.now(),
    });
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

/**
 * Sends notifications without ever making the caller wait: `send` queues and returns; each
 * receiver has its own bounded queue, so a dead receiver delays and drops only its own messages.
 * Failed attempts are retried with exponential back-off (honouring Retry-After) up to maxAttempts.
 */
export class NotificationDispatcher {
  readonly counters = { delivered: 0, failed: 0, dropped: 0, retries: 0 };
  private readonly queues = new Map<string, ReceiverQueue>();

  constructor(receivers: readonly ReceiverConfig[], options: DispatcherOptions = {}) {
    const resolved = {
      maxQueued: 1000,
      maxAttempts: 6,
      baseDelayMs: 1000,
      maxDelayMs: 60_000,
      timeoutMs: 10_000,
      ...options,
    };
    for (const receiver of receivers)
      this.queues.set(receiver.name, new ReceiverQueue(receiver, resolved, this.counters));
  }

  receiver(name: string): ReceiverConfig | undefined {
    return this.queues.get(name)?.receiver;
  }

  get receivers(): ReceiverConfig[] {
    return [...this.queues.values()].map((q) => q.receiver);
  }

  /** Queues a body for a receiver; throws only for a receiver that is not configured. */
  send(receiverName: string, what: string, body: unknown): void {
    const queue = this.queues.get(receiverName);
    if (!queue) throw new Error(`no receiver named "${receiverName}"`);
    queue.push(what, body);
  }

  /** Messages waiting or in flight, over all receivers. */
  get pending(): number {
    return [...this.queues.values()].reduce((sum, q) => sum + q.length, 0);
  }

  /** Waits until nothing is pending or the timeout passes; returns whether it drained. */
  async drain(timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (this.pending > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    return this.pending === 0;
  }

  stop(): void {
    for (const queue of this.queues.values()) queue.stop();
  }
}
