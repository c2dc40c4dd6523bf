import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ReplicaLedger, type LedgerEntry, type PricedRequest } from './replica-ledger.ts';

const TIMING = { settleUs: 5e6, maxHoldUs: 120e6, maxGapUs: 60e6 };
const TERMS = { usdPerHour: 7.2, gpuCount: 2, capacity: 4 };

interface Timeline {
  scrapes: number[];
  spans: { requestId: string; startUs: number; endUs: number; reportedUs: number }[];
}

/** A replica's life: scrapes 1–20 s apart (now and then a 90-s outage), requests that report late. */
const timelines = fc
  .record({
    gaps: fc.array(
      fc.oneof(
        { weight: 20, arbitrary: fc.integer({ min: 1e6, max: 20e6 }) },
        { weight: 1, arbitrary: fc.constant(90e6) },
      ),
      {
        minLength: 2,
        maxLength: 40,
      },
    ),
    requests: fc.array(
      fc.record({
        start: fc.double({ min: -0.05, max: 1, noNaN: true }),
        lengthUs: fc.integer({ min: 1000, max: 90e6 }),
        delayUs: fc.oneof(
          { weight: 10, arbitrary: fc.integer({ min: 0, max: 3e6 }) },
          { weight: 2, arbitrary: fc.integer({ min: 3e6, max: 60e6 }) },
          { weight: 1, arbitrary: fc.integer({ min: 150e6, max: 400e6 }) }, // after its interval settled
        ),
      }),
      { maxLength: 60 },
    ),
  })
  .map(({ gaps, requests }): Timeline => {
    const scrapes = gaps.reduce<number[]>((at, gap) => [...at, (at.at(-1) ?? 0) + gap], [1e9]);
    const span = (scrapes.at(-1) as number) - scrapes[0]!;
    return {
      scrapes,
      spans: requests.map((r, i) => {
        const startUs = Math.round(scrapes[0]! + r.start * span);
        const endUs = startUs + r.lengthUs;
        return { requestId: `r${i}`, startUs, endUs, reportedUs: endUs + r.delayUs };
      }),
    };
  });

/** Plays a timeline into a ledger in time order, as the collector would, and settles to the end. */
function play(t: Timeline): { entries: LedgerEntry[]; priced: PricedRequest[]; earlyStartUs: number } {
  const ledger = new ReplicaLedger(TERMS, TIMING);
  const events = [
    ...t.scrapes.map((atUs) => ({ atUs, scrape: true as const })),
    ...t.spans.map((s) => ({ atUs: s.reportedUs, span: s })),
  ].sort((a, b) => a.atUs - b.atUs);
  const entries: LedgerEntry[] = [];
  const priced: PricedRequest[] = [];
  // The earliest start among requests known before the first interval settled (the reach back).
  let earlyStartUs = Infinity;
  const collect = (r: ReturnType<ReplicaLedger['settle']>) => {
    entries.push(...r.entries);
    priced.push(...r.priced);
  };
  for (const e of events) {
    if (entries.length === 0 && 'span' in e) earlyStartUs = Math.min(earlyStartUs, e.span.startUs);
    if ('scrape' in e) {
      // The engine's own count: every request busy then, known to us or not.
      const running = t.spans.filter((s) => s.startUs <= e.atUs && s.endUs > e.atUs).length;
      ledger.observeScrape(e.atUs, running);
    } else ledger.addSpan(e.span);
    collect(ledger.settle(e.atUs));
  }
  collect(ledger.settle((events.at(-1)?.atUs ?? 0) + 10 * TIMING.maxHoldUs));
  return { entries, priced, earlyStartUs };
}

const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
const near = (a: number, b: number, what: string) =>
  assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

describe('ledger: one replica over time', () => {
  it('bills every scraped interval once, splits it exactly, and prices every request once — late ones too', () => {
    fc.assert(
      fc.property(timelines, (t) => {
        const { entries, priced, earlyStartUs } = play(t);
        const held = t.scrapes
          .slice(1)
          .map((at, i) => at - t.scrapes[i]!)
          .filter((gap) => gap <= TIMING.maxGapUs);
        // Requests known before the first interval settled may stretch it back: to one's start,
        // at most maxGapUs before the first scrape, and never past a request known by then.
        const first = t.scrapes[0]!;
        const openedUs = Math.min(...entries.filter((e) => !e.late).map((e) => e.fromUs));
        if (openedUs < first) {
          assert.ok(openedUs >= first - TIMING.maxGapUs, 'reaches back at most maxGapUs');
          assert.ok(openedUs >= earlyStartUs, 'to a request known before it settled');
          assert.ok(t.spans.some((s) => s.startUs === openedUs) || openedUs === first - TIMING.maxGapUs);
          held.push(first - openedUs);
        }
        near(sum(entries.map((e) => e.usd.bill)), (sum(held) / 3.6e9) * TERMS.usdPerHour, 'bill');
        const parts = (k: 'usage' | 'underfilled' | 'idle' | 'unattributed') =>
          sum(entries.map((e) => e.usd[k]));
        near(
          parts('usage') + parts('underfilled') + parts('idle') + parts('unattributed'),
          parts('usage') + parts('underfilled') + parts('idle') + parts('unattributed'),
          'parts',
        );
        near(
          sum(entries.map((e) => e.usd.bill)),
          parts('usage') + parts('underfilled') + parts('idle') + parts('unattributed'),
          'bill = parts',
        );
        near(sum(priced.map((p) => p.usd ?? 0)), parts('usage'), 'requests = usage');
        for (const k of ['underfilled', 'idle', 'unattributed'] as const)
          assert.ok(parts(k) >= -1e-9, `${k} ${parts(k)}`);
        assert.deepEqual(
          priced.map((p) => p.requestId).sort(),
          t.spans.map((s) => s.requestId).sort(),
          'each request priced exactly once',
        );
      }),
      { numRuns: 300 },
    );
  });

  it('waits for requests the engine said were running before settling, and prices a late one from idle time', () => {
    const ledger = new ReplicaLedger(TERMS, TIMING);
    ledger.observeScrape(0, 0);
    ledger.observeScrape(10e6, 1); // one request running at 10 s, not known yet
    assert.deepEqual(ledger.settle(20e6).entries, [], 'waits for the running request');
    ledger.addSpan({ requestId: 'a', startUs: 8e6, endUs: 12e6 });
    ledger.observeScrape(20e6, 0);
    const first = ledger.settle(30e6);
    assert.equal(first.entries.length, 2);
    // a: 2 s in each interval; the replica costs $7.20/h = $0.002/s, a slot of 4 $0.0005/s.
    assert.deepEqual(
      first.priced.map((p) => [p.requestId, Number(p.usd!.toFixed(9)), p.late]),
      [['a', 0.002, false]],
    );
    // b ran 1–3 s but is reported long after: it takes a slot from idle time, no one else pays.
    ledger.addSpan({ requestId: 'b', startUs: 1e6, endUs: 3e6 });
    const late = ledger.settle(400e6);
    assert.deepEqual(
      late.priced.map((p) => [p.requestId, Number(p.usd!.toFixed(9)), p.late]),
      [['b', 0.001, true]],
    );
    const [fix] = late.entries;
    assert.ok(fix?.late);
    near(fix.usd.usage, 0.001, 'usage');
    near(fix.usd.idle, -0.004, 'idle');
    near(fix.usd.underfilled, 0.003, 'under-filled');
    assert.equal(fix.usd.bill, 0);
  });

  it('leaves a request unpriced when no scraped interval covers its busy time', () => {
    const ledger = new ReplicaLedger(TERMS, TIMING);
    ledger.addSpan({ requestId: 'lonely', startUs: 0, endUs: 1e6 });
    assert.deepEqual(ledger.settle(500e6).priced, [{ requestId: 'lonely', usd: null, late: false }]);
  });
});
