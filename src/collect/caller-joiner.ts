import { callerOf, withCaller, type CallerSpan } from '../normalize/caller-span.ts';
import type { RequestRecord } from '../normalize/merge-gateway.ts';
import type { RequestSink } from './request-joiner.ts';

interface Waiting {
  records: RequestRecord[];
  sinceMs: number;
}

interface Seen {
  callers: CallerSpan[];
  sinceMs: number;
}

/**
 * Tells engine records who called them: an application's GenAI client span (caller-span.ts) and
 * the engine's span share a trace id, but arrive separately — the app exports its span after the
 * answer is read, often seconds after the engine's. Once any caller span has been seen (or from
 * the start with `awaitCallers`), an engine record with no tenant waits up to `holdMs` for its
 * trace's caller, then is stored as it is. Callers are kept `holdMs` for later calls of the same
 * trace. Records that already name a tenant (the gateway's) pass straight through.
 */
export class CallerJoiner implements RequestSink {
  private readonly seen = new Map<string, Seen>();
  private readonly waiting = new Map<string, Waiting>();
  private timer: NodeJS.Timeout | null = null;
  private active: boolean;
  /** Records in `waiting`, kept as they come and go (bounded by maxHeld: back-pressure past it). */
  private heldRecords = 0;
  callersSeen = 0;
  joined = 0;
  unjoined = 0;

  constructor(
    private readonly sink: RequestSink,
    private readonly options: {
      holdMs?: number;
      maxHeld?: number;
      awaitCallers?: boolean;
      nowMs?: () => number;
    } = {},
  ) {
    this.active = options.awaitCallers ?? false;
  }

  private get nowMs(): number {
    return (this.options.nowMs ?? Date.now)();
  }

  /** Engine (and joined gateway) records; all or nothing, like the buffer. */
  offerRequests(records: readonly RequestRecord[]): boolean {
    const pass: RequestRecord[] = [];
    const hold: RequestRecord[] = [];
    let joined = 0;
    for (const record of records) {
      const { traceId, tenant } = record.request;
      const callers = traceId ? this.seen.get(traceId)?.callers : undefined;
      const caller = callers && tenant === 'unknown' ? callerOf(callers, record.request) : undefined;
      if (caller) {
        pass.push(withCaller(record, caller));
        joined++;
      } else if (traceId && tenant === 'unknown' && this.active) hold.push(record);
      else pass.push(record);
    }
    // Past the hold limit the oldest go to the sink; if it is full too, push back (nothing taken).
    if (hold.length > 0 && this.heldRecords + hold.length > this.maxHeld) {
      this.trim(hold.length);
      if (this.heldRecords + hold.length > this.maxHeld) return false;
    }
    if (pass.length > 0 && !this.sink.offerRequests(pass)) return false;
    this.joined += joined;
    for (const record of hold) {
      const traceId = record.request.traceId as string;
      const entry = this.waiting.get(traceId);
      if (entry) entry.records.push(record);
      else this.waiting.set(traceId, { records: [record], sinceMs: this.nowMs });
      this.heldRecords++;
    }
    return true;
  }

  /** Callers decoded from OTLP; releases the records that waited for them. */
  offerCallers(callers: readonly CallerSpan[]): void {
    if (callers.length === 0) return;
    this.active = true;
    this.callersSeen += callers.length;
    for (const caller of callers) {
      const entry = this.seen.get(caller.traceId);
      if (entry) entry.callers.push(caller);
      else this.seen.set(caller.traceId, { callers: [caller], sinceMs: this.nowMs });
    }
    for (const traceId of new Set(callers.map((c) => c.traceId))) {
      const entry = this.waiting.get(traceId);
      if (!entry) continue;
      const known = this.seen.get(traceId)?.callers ?? [];
      const joined = entry.records.map((r) => withCaller(r, callerOf(known, r.request) as CallerSpan));
      // A full sink keeps them waiting; the caller stays known, so the next try joins them.
      if (!this.sink.offerRequests(joined)) continue;
      this.waiting.delete(traceId);
      this.heldRecords -= joined.length;
      this.joined += joined.length;
    }
    this.trim();
  }

  private get maxHeld(): number {
    return this.options.maxHeld ?? 100_000;
  }

  /** Stores records whose caller did not come in time; forgets callers past the hold. */
  sweep(): void {
    const cutoff = this.nowMs - (this.options.holdMs ?? 15_000);
    for (const [traceId, entry] of this.waiting) {
      if (entry.sinceMs > cutoff) break; // insertion order = age order
      if (!this.release(traceId, entry)) break;
    }
    for (const [traceId, entry] of this.seen) {
      if (entry.sinceMs > cutoff) break;
      this.seen.delete(traceId);
    }
  }

  /** Releases the oldest waiting records until `room` more fit; stops where the sink is full. */
  private trim(room = 0): void {
    for (const [traceId, entry] of this.waiting) {
      if (this.heldRecords + room <= this.maxHeld || !this.release(traceId, entry)) break;
    }
    for (const traceId of this.seen.keys()) {
      if (this.seen.size <= this.maxHeld) break;
      this.seen.delete(traceId);
    }
  }

  private release(traceId: string, entry: Waiting): boolean {
    if (!this.sink.offerRequests(entry.records)) return false;
    this.unjoined += entry.records.length;
    this.heldRecords -= entry.records.length;
    this.waiting.delete(traceId);
    return true;
  }

  start(everyMs = 1000): void {
    this.timer = setInterval(() => this.sweep(), everyMs);
    this.timer.unref();
  }

  /** Stores everything still waiting. */
  /**
   * Stores everything still waiting, as far as the sink takes it; returns how many records are
   * left (a full sink: call again once it has written).
   */
  stop(): number {
    if (this.timer) clearInterval(this.timer);
    for (const [traceId, entry] of this.waiting) if (!this.release(traceId, entry)) break;
    return this.heldRecords;
  }

  /** Engine records waiting for their caller. */
  get held(): number {
    return this.heldRecords;
  }
}
