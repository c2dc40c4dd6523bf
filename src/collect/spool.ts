import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { RequestRecord } from '../normalize/merge-gateway.ts';
import type { Store } from '../store/store.ts';
import type { Logger } from '../util/log.ts';
import type { IngestBuffer } from './ingest-buffer.ts';

export interface SpoolOptions {
  /** A segment is closed and a new one begun past this size… */
  segmentBytes?: number;
  /** …or this age, so stored segments are deleted soon after. */
  segmentMs?: number;
}

/**
 * A write-ahead log of accepted request records, so that what was acknowledged survives a
 * `kill -9`: records are appended as JSON lines to the current segment and fsynced in group
 * commits (`synced()` resolves once everything appended before it is on disk — receivers answer
 * only then). When the store has a record (or quarantined it), it is released; a closed segment
 * whose records are all released is deleted. On start, what the segments still hold is replayed.
 */
export class Spool {
  private handle: FileHandle | null = null;
  private segment = 0;
  private segmentBytes = 0;
  private segmentStartedMs = 0;
  private pending: string[] = [];
  private waiters: { resolve: () => void; reject: (err: Error) => void }[] = [];
  private flushing: Promise<void> | null = null;
  /** Request id → segments holding a record with that id, oldest first. */
  private readonly holders = new Map<string, number[]>();
  /** Segment → records in it not yet released. */
  private readonly outstanding = new Map<number, number>();
  appended = 0;

  constructor(
    readonly dir: string,
    private readonly options: SpoolOptions = {},
  ) {}

  /** Opens the spool; returns the records earlier runs appended and did not see stored. */
  async open(): Promise<RequestRecord[]> {
    mkdirSync(this.dir, { recursive: true });
    const segments = readdirSync(this.dir)
      .map((name) => /^segment-(\d+)\.jsonl$/.exec(name)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    const replay: RequestRecord[] = [];
    for (const segment of segments) {
      const records = readSegment(join(this.dir, segmentName(segment)));
      for (const record of records) this.hold(record.request.requestId, segment);
      if (records.length === 0) rmSync(join(this.dir, segmentName(segment)), { force: true });
      replay.push(...records);
    }
    this.segment = (segments.at(-1) ?? 0) + 1;
    await this.startSegment();
    return replay;
  }

  /** Appends a record (written and fsynced with the next group commit). */
  append(record: RequestRecord): void {
    const line = `${JSON.stringify(record)}\n`;
    this.pending.push(line);
    this.segmentBytes += Buffer.byteLength(line);
    this.hold(record.request.requestId, this.segment);
    this.appended++;
    this.kick();
  }

  /** Resolves once every record appended so far is on disk; rejects if the disk refused it. */
  synced(): Promise<void> {
    if (this.pending.length === 0 && !this.flushing) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.kick();
    });
  }

  /** The store has these records (or turned them away for good): their segments may go. */
  release(requestIds: Iterable<string>): void {
    for (const id of requestIds) {
      const segments = this.holders.get(id);
      const segment = segments?.shift();
      if (segment === undefined) continue;
      if (segments?.length === 0) this.holders.delete(id);
      const left = (this.outstanding.get(segment) ?? 1) - 1;
      this.outstanding.set(segment, left);
      if (left === 0 && segment !== this.segment) this.drop(segment);
    }
  }

  /** Records appended and not yet released (what a crash now would replay). */
  get held(): number {
    let n = 0;
    for (const count of this.outstanding.values()) n += count;
    return n;
  }

  async close(): Promise<void> {
    await this.synced();
    await this.handle?.close();
    this.handle = null;
  }

  private hold(id: string, segment: number): void {
    const segments = this.holders.get(id);
    if (segments) segments.push(segment);
    else this.holders.set(id, [segment]);
    this.outstanding.set(segment, (this.outstanding.get(segment) ?? 0) + 1);
  }

  private drop(segment: number): void {
    this.outstanding.delete(segment);
    rmSync(join(this.dir, segmentName(segment)), { force: true });
  }

  private async startSegment(): Promise<void> {
    this.handle = await open(join(this.dir, segmentName(this.segment)), 'a');
    this.segmentBytes = 0;
    this.segmentStartedMs = Date.now();
    this.outstanding.set(this.segment, this.outstanding.get(this.segment) ?? 0);
  }

  private kick(): void {
    this.flushing ??= this.flushLoop().finally(() => {
      this.flushing = null;
      if (this.pending.length > 0 || this.waiters.length > 0) this.kick();
    });
  }

  /** Group commit: everything appended while the previous fsync ran goes in the next one. */
  private async flushLoop(): Promise<void> {
    while (this.pending.length > 0 || this.waiters.length > 0) {
      const lines = this.pending;
      const waiters = this.waiters;
      this.pending = [];
      this.waiters = [];
      try {
        if (lines.length > 0 && this.handle) {
          await this.handle.write(lines.join(''));
          await this.handle.datasync();
        }
        for (const w of waiters) w.resolve();
      } catch (err) {
        for (const w of waiters) w.reject(err as Error);
      }
      await this.maybeRotate();
    }
  }

  private async maybeRotate(): Promise<void> {
    const full = this.segmentBytes >= (this.options.segmentBytes ?? 8 * 1024 * 1024);
    const old = Date.now() - this.segmentStartedMs >= (this.options.segmentMs ?? 10_000);
    if (!this.handle || this.segmentBytes === 0 || !(full || old)) return;
    const closed = this.segment;
    await this.handle.close();
    this.segment++;
    await this.startSegment();
    if ((this.outstanding.get(closed) ?? 0) === 0) this.drop(closed);
  }
}

function segmentName(segment: number): string {
  return `segment-${String(segment).padStart(10, '0')}.jsonl`;
}

/** The records of one segment; a torn last line (the crash came mid-write) is skipped. */
function readSegment(path: string): RequestRecord[] {
  const out: RequestRecord[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '') continue;
    try {
      out.push(JSON.parse(line) as RequestRecord);
    } catch {
      // Only the last line can be torn: it was never acknowledged (its fsync had not returned).
    }
  }
  return out;
}

/**
 * Opens the spool and sends what an earlier run accepted and did not see stored to the store,
 * straight through the buffer (joins that were waiting are not waited for again) — except what
 * the store already has, as a row or as the gateway record a row was joined from: nothing twice.
 */
export async function replaySpool(
  spool: Spool,
  store: Store,
  buffer: IngestBuffer,
  log: Logger,
): Promise<void> {
  const records = await spool.open();
  if (records.length === 0) return;
  const ids = records.map((r) => r.request.requestId);
  const sinceUs = Math.min(...records.map((r) => r.request.arrivalUs)) - 3_600_000_000;
  const stored = await store.existingRequestIds(ids, sinceUs);
  const seen = new Set<string>();
  const skipped: string[] = [];
  const pending = records.filter((r) => {
    const id = r.request.requestId;
    if (stored.has(id) || seen.has(id)) return void skipped.push(id);
    seen.add(id);
    return true;
  });
  spool.release(skipped);
  for (let i = 0; i < pending.length; i += 1000) {
    while (!buffer.offerRequests(pending.slice(i, i + 1000))) await buffer.flush();
  }
  await buffer.flush();
  log.info(
    { replayed: pending.length, alreadyStored: stored.size },
    'spool replayed: what was accepted before a crash is stored',
  );
}
