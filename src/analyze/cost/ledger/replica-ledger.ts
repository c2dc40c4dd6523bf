import {
  lateShare,
  settleInterval,
  type BusySpan,
  type IntervalInput,
  type LedgerParts,
  type SettledInterval,
} from './interval.ts';

/** What holding the replica costs and how many sequences fill its batch. */
export interface ReplicaTerms {
  usdPerHour: number;
  gpuCount: number;
  capacity: number | null;
}

export interface LedgerTiming {
  /** Records reach the collector this long after the fact at most (trace batching, gateway): wait it out. */
  settleUs: number;
  /** An interval is settled after this long even if the engine said more requests ran than are known. */
  maxHoldUs: number;
  /** A gap between scrapes longer than this is not held time anyone can vouch for: not billed. */
  maxGapUs: number;
}

/** One settled interval of one replica, ready to be recorded. */
export interface LedgerEntry {
  fromUs: number;
  toUs: number;
  usd: LedgerParts<number>;
  gpuSeconds: LedgerParts<number>;
  /** Entries that correct an interval settled before (a request that came late). */
  late: boolean;
}

/** A request's cost from the ledger; null when no settled interval covers its busy time. */
export interface PricedRequest {
  requestId: string;
  usd: number | null;
  /** Some of it was taken from intervals settled before the request came. */
  late: boolean;
}

interface Scrape {
  atUs: number;
  running: number;
}

interface Settled {
  input: IntervalInput;
  result: SettledInterval;
}

/**
 * The ledger of one replica: its scrapes bound intervals, requests' busy spans fill them, and an
 * interval is settled once every request busy in it can be known — its end is `settleUs` old and
 * as many requests are known busy at that end as the engine reported running (or it is
 * `maxHoldUs` old). A request is priced once every interval its span touches is settled; one that
 * arrives after that (late) takes its slot's share from the idle or under-filled time of those
 * intervals, recorded as a correcting entry, and never changes what others were charged.
 */
export class ReplicaLedger {
  private readonly scrapes: Scrape[] = [];
  private firstScrapeUs: number | undefined;
  private readonly open: BusySpan[] = [];
  /** Spans that touch intervals settled before they came, with where settling had got to then. */
  private readonly late: { span: BusySpan; settledToUs: number }[] = [];
  private readonly settled: Settled[] = [];
  private readonly costs = new Map<string, number>();
  private readonly lateIds = new Set<string>();

  constructor(
    private terms: ReplicaTerms,
    private readonly timing: LedgerTiming,
  ) {}

  /** New terms apply to intervals settled from now on (a price or capacity learnt later). */
  setTerms(terms: ReplicaTerms): void {
    this.terms = terms;
  }

  observeScrape(atUs: number, running: number): void {
    const last = this.scrapes.at(-1);
    if (last && atUs <= last.atUs) return;
    this.firstScrapeUs ??= atUs;
    this.scrapes.push({ atUs, running });
    this.reachBack();
  }

  /**
   * The replica was held while its requests ran, before its first scrape too (it was just
   * discovered, or the collector just started): until the first interval is settled, it begins
   * with the earliest request known, at most `maxGapUs` before the first scrape.
   */
  private reachBack(): void {
    const first = this.scrapes[0];
    // Only while the first scrape still opens the ledger (not once a gap after it was skipped).
    if (!first || this.firstScrapeUs === undefined || this.settled.length > 0) return;
    if (first.atUs > this.firstScrapeUs) return;
    // A loop, not Math.min(...spread): tens of thousands of waiting spans overflow an argument list.
    const earliest = this.open.reduce((min, s) => Math.min(min, s.startUs), Infinity);
    const fromUs = Math.max(earliest, this.firstScrapeUs - this.timing.maxGapUs);
    if (!(fromUs < first.atUs)) return;
    const busy = this.open.filter((s) => s.startUs <= fromUs && s.endUs > fromUs).length;
    this.scrapes.unshift({ atUs: fromUs, running: busy });
  }

  /** A span that ended before anything this ledger can ever bill (before its reach back). */
  tooOld(span: BusySpan): boolean {
    if (this.firstScrapeUs === undefined) return false;
    const reach =
      this.settled.length === 0
        ? this.firstScrapeUs - this.timing.maxGapUs
        : (this.settled[0]?.input.fromUs ?? -Infinity);
    return span.endUs <= reach;
  }

  addSpan(span: BusySpan): void {
    const settledToUs = this.settledToUs();
    if (span.startUs < settledToUs) this.late.push({ span, settledToUs });
    // Its part after the settled intervals is priced as any other's.
    if (span.endUs > settledToUs) this.open.push(span);
    this.reachBack();
  }

  private settledToUs(): number {
    return this.settled.at(-1)?.input.toUs ?? -Infinity;
  }

  /**
   * Settles what is ready at `nowUs`: the entries to record, and the requests priced (their total
   * cost, and whether any of it came late).
   */
  settle(nowUs: number): { entries: LedgerEntry[]; priced: PricedRequest[] } {
    const entries: LedgerEntry[] = [];
    while (this.scrapes.length >= 2) {
      const [start, end] = this.scrapes as [Scrape, Scrape];
      if (!this.ready(end, nowUs)) break;
      this.scrapes.shift();
      if (end.atUs - start.atUs > this.timing.maxGapUs) continue;
      entries.push(this.settleOne(start, end));
    }
    return { entries: [...entries, ...this.lateEntries()], priced: this.pricedSpans(nowUs) };
  }

  private ready(end: Scrape, nowUs: number): boolean {
    if (nowUs < end.atUs + this.timing.settleUs) return false;
    if (nowUs >= end.atUs + this.timing.maxHoldUs) return true;
    const knownAtEnd = this.open.filter((s) => s.startUs <= end.atUs && s.endUs > end.atUs).length;
    return knownAtEnd >= end.running;
  }

  private settleOne(start: Scrape, end: Scrape): LedgerEntry {
    const input: IntervalInput = {
      fromUs: start.atUs,
      toUs: end.atUs,
      ...this.terms,
      runningAtStart: start.running,
      runningAtEnd: end.running,
      spans: this.open.filter((s) => s.startUs < end.atUs && s.endUs > start.atUs),
    };
    const result = settleInterval(input);
    for (const [id, usd] of result.shares) this.costs.set(id, (this.costs.get(id) ?? 0) + usd);
    this.settled.push({ input, result });
    this.forgetOldIntervals(end.atUs);
    return {
      fromUs: start.atUs,
      toUs: end.atUs,
      usd: result.usd,
      gpuSeconds: result.gpuSeconds,
      late: false,
    };
  }

  /** Settled intervals are kept for late requests a few holds long; older ones are final. */
  private forgetOldIntervals(nowUs: number): void {
    const keepFromUs = nowUs - 4 * this.timing.maxHoldUs;
    while ((this.settled[0]?.input.toUs ?? Infinity) < keepFromUs) this.settled.shift();
  }

  /** Each late span's share of the settled intervals it touches, as correcting entries. */
  private lateEntries(): LedgerEntry[] {
    const entries: LedgerEntry[] = [];
    for (const { span, settledToUs } of this.late.splice(0)) {
      this.lateIds.add(span.requestId);
      for (const interval of this.settled) {
        const { input } = interval;
        // Intervals settled after the span came had it already.
        if (input.toUs > settledToUs || span.startUs >= input.toUs || span.endUs <= input.fromUs) continue;
        const { usd, delta, gpuSecondsDelta } = lateShare(input, span, interval.result.unseen);
        this.costs.set(span.requestId, (this.costs.get(span.requestId) ?? 0) + usd);
        // Later late spans see this one as busy.
        interval.input = { ...input, spans: [...input.spans, span] };
        entries.push({
          fromUs: input.fromUs,
          toUs: input.toUs,
          usd: delta,
          gpuSeconds: gpuSecondsDelta,
          late: true,
        });
      }
      // Wholly inside settled time: priced now.
      if (span.endUs <= settledToUs) this.open.push(span);
    }
    return entries;
  }

  /**
   * Spans whose every touched interval is settled, or that waited past their end longer than any
   * interval can stay open (`maxGapUs` + `maxHoldUs`):
   * priced (null when no settled interval covers any of their busy time), and forgotten.
   */
  private pricedSpans(nowUs: number): PricedRequest[] {
    const settledTo = this.settledToUs();
    const out: PricedRequest[] = [];
    for (let i = this.open.length - 1; i >= 0; i--) {
      const span = this.open[i] as BusySpan;
      // Unsettled: wait, unless no scrape came for so long that none will settle it (target gone).
      if (span.endUs > settledTo && nowUs < span.endUs + this.timing.maxGapUs + this.timing.maxHoldUs)
        continue;
      const late = this.lateIds.delete(span.requestId);
      out.push({ requestId: span.requestId, usd: this.costs.get(span.requestId) ?? null, late });
      this.costs.delete(span.requestId);
      this.open.splice(i, 1);
    }
    return out;
  }
}
