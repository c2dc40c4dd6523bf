import type { RequestRecord } from '../normalize/merge-gateway.ts';
import { mergeGatewayAndEngine } from '../normalize/merge-gateway.ts';

/** Where joined records go (the ingest buffer). */
export interface RequestSink {
  offerRequests(records: readonly RequestRecord[]): boolean;
}

interface Held {
  gateway: RequestRecord | null;
  engine: RequestRecord | null;
  sinceMs: number;
}

/**
 * Joins the gateway's and the engine's record of one request (same trace id) before they are
 * stored, so a gateway-fronted request is counted once. The gateway announces each trace it
 * forwards (`expect`); engine records of other traces pass straight through. A record whose
 * partner does not come within `holdMs` (an engine without tracing, a dropped export) is stored
 * alone. At most `maxHeld` traces wait; beyond that the oldest go out unjoined.
 */
export class RequestJoiner implements RequestSink {
  private readonly held = new Map<string, Held>();
  private timer: NodeJS.Timeout | null = null;
  joined = 0;
  unjoined = 0;

  constructor(
    private readonly sink: RequestSink,
    private readonly options: {
      holdMs?: number;
      maxHeld?: number;
      nowMs?: () => number;
      /**
       * Gateway records stored without an engine partner (an engine that exports no traces):
       * seen nowhere else, so request metrics and SLO counters take them from here.
       */
      onGatewayAlone?: (records: readonly RequestRecord[]) => void;
    } = {},
  ) {}

  private get nowMs(): number {
    return (this.options.nowMs ?? Date.now)();
  }

  /** The gateway is forwarding a request with this trace id. */
  expect(traceId: string): void {
    if (!this.held.has(traceId)) {
      this.held.set(traceId, { gateway: null, engine: null, sinceMs: this.nowMs });
      this.trim();
    }
  }

  /**
   * The gateway's record; false when the sink refused it (full). `complete`: it already has the
   * engine's phases (from the timing report in the engine's answer), so it is stored now instead
   * of waiting for a trace that engine does not send.
   */
  offerGateway(record: RequestRecord, complete = false): boolean {
    const traceId = record.request.traceId;
    const entry = traceId ? this.held.get(traceId) : undefined;
    if (!traceId || !entry || (complete && !entry.engine)) {
      if (!this.sink.offerRequests([record])) return false;
      if (traceId) this.held.delete(traceId);
      this.options.onGatewayAlone?.([record]);
      return true;
    }
    if (entry.engine) return this.emit(traceId, mergeGatewayAndEngine(record, entry.engine));
    entry.gateway = record;
    return true;
  }

  /** Engine records (the OTLP ingest path); all or nothing, like the buffer. */
  offerRequests(records: readonly RequestRecord[]): boolean {
    const pass: RequestRecord[] = [];
    const merged: [string, RequestRecord][] = [];
    const hold: [string, RequestRecord][] = [];
    for (const record of records) {
      const traceId = record.request.traceId;
      const entry = traceId ? this.held.get(traceId) : undefined;
      if (!traceId || !entry) pass.push(record);
      else if (entry.gateway) merged.push([traceId, mergeGatewayAndEngine(entry.gateway, record)]);
      else hold.push([traceId, record]);
    }
    if (!this.sink.offerRequests([...pass, ...merged.map(([, r]) => r)])) return false;
    for (const [traceId] of merged) {
      this.held.delete(traceId);
      this.joined++;
    }
    for (const [traceId, record] of hold) (this.held.get(traceId) as Held).engine = record;
    return true;
  }

  private emit(traceId: string, record: RequestRecord): boolean {
    if (!this.sink.offerRequests([record])) return false;
    this.held.delete(traceId);
    this.joined++;
    return true;
  }

  /** Stores records whose partner did not come in time; forgets expectations that saw nothing. */
  sweep(): void {
    const cutoff = this.nowMs - (this.options.holdMs ?? 15_000);
    for (const [traceId, entry] of this.held) {
      if (entry.sinceMs > cutoff) break; // insertion order = age order
      this.release(traceId, entry);
    }
  }

  private trim(): void {
    const max = this.options.maxHeld ?? 100_000;
    for (const [traceId, entry] of this.held) {
      if (this.held.size <= max) break;
      this.release(traceId, entry);
    }
  }

  private release(traceId: string, entry: Held): void {
    const alone = [entry.gateway, entry.engine].filter((r): r is RequestRecord => r !== null);
    // A full sink keeps them waiting for the next sweep rather than losing them.
    if (alone.length > 0 && !this.sink.offerRequests(alone)) return;
    this.unjoined += alone.length;
    if (entry.gateway && !entry.engine) this.options.onGatewayAlone?.([entry.gateway]);
    this.held.delete(traceId);
  }

  start(everyMs = 1000): void {
    this.timer = setInterval(() => this.sweep(), everyMs);
    this.timer.unref();
  }

  /** Stores everything still waiting. */
  /** Stores what still waits, as far as the sink takes it; returns how many traces are left. */
  stop(): number {
    if (this.timer) clearInterval(this.timer);
    for (const [traceId, entry] of this.held) this.release(traceId, entry);
    return this.held.size;
  }

  get waiting(): number {
    return this.held.size;
  }
}
