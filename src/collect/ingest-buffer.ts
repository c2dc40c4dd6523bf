import type { MetricSample } from '../model/metric-sample.ts';
import type { InferenceRequest } from '../model/request.ts';
import type { Span } from '../model/span.ts';
import type { Store } from '../store/store.ts';
import type { Logger } from '../util/log.ts';
import { checkRequestRow, metricSampleProblem } from '../store/row-check.ts';
import type { RequestRecord } from '../normalize/merge-gateway.ts';

/** One row turned away: what it was and why. */
export interface QuarantinedRow {
  kind: 'request' | 'sample';
  id: string;
  reason: string;
  atMs: number;
}
/** Quarantined rows kept for GET /api/collector; the count goes on past it. */
const QUARANTINE_KEPT = 50;

export interface IngestBufferOptions {
  /** Requests held before new input is refused (back-pressure: the receiver answers 429). */
  maxPendingRequests?: number;
  maxPendingSamples?: number;
  flushIntervalMs?: number;
  /** Requests per store write. */
  batchRequests?: number;
  /** The clock rows' timestamps are checked against (epoch µs): the simulator's in the demo. */
  nowUs?: () => number;
  /**
   * Requests the store now holds, or that were quarantined for good — done with, either way (the
   * spool lets them go). Joined records name the gateway's id too.
   */
  onSettled?: (requestIds: string[]) => void;
}

/** The ids a stored request settles: its own and, once joined, the gateway record's. */
function settledIds(request: InferenceRequest): string[] {
  const gatewayId = request.attributes['gateway.request_id'];
  return gatewayId ? [request.requestId, gatewayId] : [request.requestId];
}

/**
 * Between receivers and the store: accepts decomposed requests and metric samples, writes them in
 * batches, and never loses what it accepted — a failed write is put back and retried with
 * back-off. When it is full it refuses new input instead of growing, so callers can push back.
 * No one row can stall it: rows the store cannot take are quarantined as they arrive (row-check),
 * and a batch the store refuses while it is up is split until the row it refuses stands alone.
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
  /** Rows turned away with a reason (never retried); the latest are in `quarantine`. */
  quarantined = 0;
  readonly quarantine: QuarantinedRow[] = [];

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly options: IngestBufferOptions = {},
  ) {}

  get pendingRequests(): number {
    return this.requests.length;
  }

  private nowUs(): number {
    return this.options.nowUs?.() ?? Date.now() * 1000;
  }

  /**
   * Takes the records, or returns false (taking none) when full. A record the store could not take
   * is quarantined (counted, its reason kept), never put in a batch.
   */
  offerRequests(records: readonly RequestRecord[]): boolean {
    if (this.requests.length + records.length > (this.options.maxPendingRequests ?? 100_000)) {
      this.refused += records.length;
      return false;
    }
    const nowUs = this.nowUs();
    for (const record of records) {
      const checked = checkRequestRow(record, nowUs);
      if ('problem' in checked) {
        this.quarantineRow('request', String(record.request.requestId).slice(0, 256), checked.problem);
        if (typeof record.request.requestId === 'string')
          this.options.onSettled?.([record.request.requestId]);
        continue;
      }
      this.requests.push(checked.request);
      this.spans.push(...checked.spans);
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
    const nowUs = this.nowUs();
    for (const sample of samples) {
      const problem = metricSampleProblem(sample, nowUs);
      if (problem) this.quarantineRow('sample', String(sample.name).slice(0, 256), problem);
      else this.samples.push(sample);
    }
    return true;
  }

  private quarantineRow(kind: QuarantinedRow['kind'], id: string, reason: string): void {
    this.quarantined++;
    this.quarantine.push({ kind, id, reason, atMs: Date.now() });
    if (this.quarantine.length > QUARANTINE_KEPT) this.quarantine.shift();
    this.log.warn({ kind, id, reason }, 'row quarantined: the store cannot take it');
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
      if (requests.length > 0) await this.writeRequests(requests, spans);
    } catch (err) {
      this.putBack(requests, spans, []);
      this.failed(err, requests.length, 'requests');
      this.samples = samples.concat(this.samples);
      return;
    }
    try {
      if (samples.length > 0) await this.writeSamples(samples);
      this.retryDelayMs = 0;
    } catch (err) {
      this.putBack([], [], samples);
      this.failed(err, samples.length, 'samples');
    }
  }

  /** Writes a batch; when the store refuses it, the rows it refuses are isolated and quarantined. */
  private async writeRequests(requests: InferenceRequest[], spans: Span[]): Promise<void> {
    const byRequest = new Map<string, Span[]>();
    for (const span of spans) {
      const list = byRequest.get(span.requestId);
      if (list) list.push(span);
      else byRequest.set(span.requestId, [span]);
    }
    const rows = requests.map((request) => ({ request, spans: byRequest.get(request.requestId) ?? [] }));
    await this.isolate(
      rows,
      async (part) => {
        await this.store.writeBatch({
          requests: part.map((r) => r.request),
          spans: part.flatMap((r) => r.spans),
        });
        this.writtenRequests += part.length;
        this.options.onSettled?.(part.flatMap((r) => settledIds(r.request)));
      },
      (row) => ['request', row.request.requestId],
    );
  }

  private async writeSamples(samples: MetricSample[]): Promise<void> {
    await this.isolate(
      samples,
      async (part) => {
        await this.store.writeMetricSamples(part);
        this.writtenSamples += part.length;
      },
      (sample) => ['sample', sample.name],
    );
  }

  /**
   * Writes `rows`; if the store refuses, writes each half apart, down to single rows. A row the
   * store refuses while others of the same batch go in is poison and is quarantined. If nothing
   * at all goes in, the store itself is failing: the error is thrown and the rows kept for retry.
   */
  private async isolate<T>(
    rows: T[],
    write: (part: T[]) => Promise<void>,
    describe: (row: T) => [QuarantinedRow['kind'], string],
  ): Promise<void> {
    const refused: { row: T; err: unknown }[] = [];
    const split = async (part: T[]): Promise<void> => {
      try {
        await write(part);
      } catch (err) {
        if (part.length === 1) return void refused.push({ row: part[0] as T, err });
        const half = Math.ceil(part.length / 2);
        await split(part.slice(0, half));
        await split(part.slice(half));
      }
    };
    await split(rows);
    // Nothing went in: the store is failing, not one row. Kept for retry by the caller.
    if (refused.length === rows.length && rows.length > 0) throw refused[0]?.err;
    for (const { row, err } of refused) {
      const [kind, id] = describe(row);
      this.quarantineRow(kind, id, `the store refused it: ${(err as Error).message}`);
      if (kind === 'request') this.options.onSettled?.([id]);
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
