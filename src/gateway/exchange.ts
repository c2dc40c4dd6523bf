import type { ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { GatewayRecord } from './gateway.ts';
import { readUsage, SseTap } from './sse-tap.ts';
import { timingFromLlamacpp, timingFromTgiHeaders } from './engine-timing.ts';

/** Response headers not passed to the client (hop-by-hop). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']);

export interface ExchangeOptions {
  res: ServerResponse;
  record: GatewayRecord;
  /** Parse the body as SSE (a 2xx/3xx answer to a streaming request). */
  stream: boolean;
  /** Take the usage chunk we asked for back out of the stream. */
  stripUsage: boolean;
  /** A 5xx may go to another replica: nothing of it reaches the client. */
  retryable: boolean;
  nowMs: () => number;
}

/** `retry`: a 5xx before any byte reached the client, to try elsewhere; otherwise the status relayed. */
export type ExchangeOutcome = 'retry' | number;

/**
 * One attempt's exchange with a replica, driven by undici's dispatch callbacks: the answer is
 * relayed to the client as it arrives, paused while the client's socket is full — all but its end,
 * which waits for `finish()`. Cheaper than `pool.request()` on the hot path (no body stream and no
 * promise per response).
 */
export class Exchange implements Dispatcher.DispatchHandler {
  readonly done: Promise<ExchangeOutcome>;
  private resolve!: (outcome: ExchangeOutcome) => void;
  private reject!: (err: Error) => void;
  private controller: Dispatcher.DispatchController | null = null;
  private cancelled: Error | null = null;
  private status = 0;
  private discard = false;
  private tap: SseTap | null = null;
  private whole: Buffer[] | null = null;
  /**
   * The answer's end, kept back until `finish()`: a stream from its [DONE] on, or the chunk that
   * completes a whole answer's content-length (without one, only the end of the chunked body).
   */
  private held: Buffer[] | null = null;
  /** Bytes of a whole answer still to come, per its content-length. */
  private remaining = Infinity;

  constructor(private readonly o: ExchangeOptions) {
    this.done = new Promise<ExchangeOutcome>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** The client left: stop the upstream request, now or as soon as undici hands us its controller. */
  cancel(reason: Error): void {
    this.cancelled = reason;
    this.controller?.abort(reason);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.cancelled) controller.abort(this.cancelled);
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    if (statusCode < 200) return; // 1xx: informational, the real answer follows
    this.status = statusCode;
    if (statusCode >= 500 && this.o.retryable) {
      this.discard = true; // read and drop it: the connection stays reusable
      return;
    }
    const pass: string[] = [];
    for (const key in headers) {
      const value = headers[key];
      if (value === undefined || HOP_BY_HOP.has(key)) continue;
      if (typeof value === 'string') pass.push(key, value);
      else for (const v of value) pass.push(key, v);
    }
    this.o.res.writeHead(statusCode, pass);
    if (this.o.stream && statusCode < 400) this.tap = new SseTap(this.o.stripUsage);
    else {
      this.whole = [];
      const length = Number(headers['content-length']);
      if (Number.isFinite(length)) this.remaining = length;
    }
    if (statusCode < 400) {
      // TGI sends its timing with the headers of a whole answer: the request is done by then.
      const timing = timingFromTgiHeaders(headers);
      if (timing) {
        this.o.record.engineTiming = timing;
        this.o.record.engineTimingAtMs = this.o.nowMs();
      }
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.discard) return;
    const { res, record } = this.o;
    const now = this.o.nowMs();
    record.firstByteMs ??= now;
    const out = this.tap ? this.tap.push(chunk, now) : chunk;
    if (this.whole) this.whole.push(chunk);
    this.remaining -= chunk.length;
    if (this.tap?.done || this.remaining <= 0) this.held ??= [];
    if (this.held) {
      if (out.length > 0) this.held.push(out);
    } else if (out.length > 0 && !res.write(out)) {
      controller.pause();
      res.once('drain', () => controller.resume());
    }
  }

  onResponseEnd(): void {
    if (this.discard) return this.resolve('retry');
    const { record } = this.o;
    const tap = this.tap;
    if (tap) {
      const rest = tap.flush(this.o.nowMs());
      if (rest.length > 0) (this.held ??= []).push(rest);
      record.firstTokenMs = tap.firstTokenMs >= 0 ? tap.firstTokenMs : null;
      record.firstVisibleTokenMs = tap.firstVisibleTokenMs >= 0 ? tap.firstVisibleTokenMs : null;
      record.usage = tap.usage;
      if (tap.timing) {
        record.engineTiming = tap.timing;
        record.engineTimingAtMs = tap.timingAtMs;
      }
      record.events = tap.events;
      record.maxGapMs = tap.maxGapMs;
      record.meanGapMs = tap.events > 1 ? tap.gapSumMs / (tap.events - 1) : null;
    } else {
      this.readWholeAnswer();
    }
    this.resolve(this.status);
  }

  /**
   * Sends what was kept back and ends the answer. The gateway calls it once the request's record
   * is on disk, so a client never sees an answer complete whose record a crash could still lose.
   */
  finish(): void {
    const { res } = this.o;
    if (res.destroyed) return;
    for (const part of this.held ?? []) res.write(part);
    this.held = null;
    res.end();
  }

  /**
   * A whole (non-streaming) answer: its usage, the engine's timing report if it has one, and the
   * first token where that report places it — the engine finished as the answer arrived, and the
   * first token came `decodeMs` before. Without a report there is no first-token time to give.
   */
  private readWholeAnswer(): void {
    const { record } = this.o;
    record.firstTokenMs = null;
    if (this.status >= 400) return; // an error has no first token
    const whole = this.whole ?? [];
    let payload: unknown;
    try {
      const body = whole.length === 1 ? (whole[0] as Buffer) : Buffer.concat(whole);
      payload = JSON.parse(body.toString('utf8'));
    } catch {
      record.usage = null; // not JSON: no usage
      return;
    }
    record.usage = readUsage(payload);
    const timing = timingFromLlamacpp(payload);
    if (timing) {
      record.engineTiming = timing;
      record.engineTimingAtMs = record.firstByteMs;
    }
    if (record.engineTiming && record.engineTimingAtMs !== null)
      record.firstTokenMs = record.engineTimingAtMs - record.engineTiming.decodeMs;
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.reject(err);
  }
}
