import type { MetricSample } from '../model/metric-sample.ts';
import type { InferenceRequest } from '../model/request.ts';
import type { Span } from '../model/span.ts';
import type { Store } from '../store/store.ts';
import type { Logger } from '../util/log.ts';

export interface IngestBufferOptions {
  /** Requests held before new input is refused (back-pressure: the receiver answers 429). */
  maxPendingRequests?: number;
  maxPendingSamples?: number;
  flushIntervalMs?: number;
  /** Requests per store write. */
  batchRequests?: number;
}

/**
 * Between receivers and the store: accepts decomposed requests and metric samples, writes them in
 * batches, and never loses what it accepted — a failed write is put back and retried with
 * back-off. When it is full it refuses new input instead of growing, so callers can push back.
 */
export class IngestBuffer {
  private requests: InferenceRequest[] = [];
  private spans: Span[] = [];
  private samples: MetricSample[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private retryDelayMs = 0;
  acceptedRequests = 0;
  writtenRequests = 0;
  writtenSamples = 0;
  writeFailures = 0;
  refused = 0;

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly options: IngestBufferOptions = {},
  ) {}

  get pendingRequests(): number {
    return this.requests.length;
  }

  /** Takes the records, or returns false (taking none) when full. */
  offerRequests(records: readonly { request: InferenceRequest; spans: readonly Span[] }[]): boolean {
    if (this.requests.length + records.length > (this.options.maxPendingRequests ?? 100_000)) {
      this.refused += records.length;
      return false;
    }
    for (const { request, spans } of records) {
      this.requests.push(request);
      this.spans.push(...spans);
    }
    this.acceptedRequests += records.length;
    if (this.requests.length >= (this.options.batchRequests ?? 5000)) void this.flush();
    return true;
  }

  offerSamples(samples: readonly MetricSample[]): boolean {
    if (this.samples.length + samples.length > (this.options.maxPendingSamples ?? 500_000)) {
      this.refused += samples.length;
      return false;
    }
    this.samples.push(...samples);
    return true;
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.options.flushIntervalMs ?? 200);
    this.timer.unref();
  }

  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.writeOnce());
    return this.flushing;
  }

  private async writeOnce(): Promise<void> {
    if (this.retryDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.retryDelayMs));
    const requests = this.requests;
    const spans = this.spans;
    const samples = this.samples;
    this.requests = [];
    this.spans = [];
    this.samples = [];
    try {
      if (requests.length > 0) {
        await this.store.writeBatch({ requests, spans });
        this.writtenRequests += requests.length;
      }
    } catch (err) {
      this.putBack(requests, spans, []);
      this.failed(err, requests.length, 'requests');
      this.samples = samples.concat(this.samples);
      return;
    }
    try {
      if (samples.length > 0) {
        await this.store.writeMetricSamples(samples);
        this.writtenSamples += samples.length;
      }
      this.retryDelayMs = 0;
    } catch (err) {
      this.putBack([], [], samples);
      this.failed(err, samples.length, 'samples');
    }
  }

  private putBack(requests: InferenceRequest[], spans: Span[], samples: MetricSample[]): void {
    this.requests = requests.concat(this.requests);
    this.spans = spans.concat(this.spans);
    this.samples = samples.concat(this.samples);
  }

  private failed(err: unknown, count: number, what: string): void {
    this.writeFailures++;
    this.retryDelayMs = Math.min(5000, Math.max(100, this.retryDelayMs * 2));
    this.log.error(
      { err, count, retryInMs: this.retryDelayMs },
      `store write of ${what} failed; kept for retry`,
    );
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }
}
