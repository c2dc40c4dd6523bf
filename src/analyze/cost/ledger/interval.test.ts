import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { settleInterval, type BusySpan, type IntervalInput } from './interval.ts';

const close = (a: number, b: number, what: string) =>
  assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

const base = (spans: BusySpan[], extra: Partial<IntervalInput> = {}): IntervalInput => ({
  fromUs: 0,
  toUs: 10e6,
  usdPerHour: 3600, // $1 a second: USD reads as seconds
  gpuCount: 2,
  capacity: 4,
  runningAtStart: 0,
  runningAtEnd: 0,
  spans,
  ...extra,
});

/** Random intervals: up to 40 requests, spans that may start before or end after it. */
const intervals = fc
  .record({
    lengthUs: fc.integer({ min: 1, max: 60e6 }),
    capacity: fc.option(fc.integer({ min: 1, max: 64 }), { nil: null }),
    runningAtStart: fc.integer({ min: 0, max: 8 }),
    runningAtEnd: fc.integer({ min: 0, max: 8 }),
    spans: fc.array(
      fc.tuple(fc.double({ min: -0.5, max: 1.5, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })),
      {
        maxLength: 40,
      },
    ),
  })
  .map(({ lengthUs, capacity, runningAtStart, runningAtEnd, spans }): IntervalInput => ({
    fromUs: 1e12,
    toUs: 1e12 + lengthUs,
    usdPerHour: 7.2,
    gpuCount: 4,
    capacity,
    runningAtStart,
    runningAtEnd,
    spans: spans.map(([start, length], i) => ({
      requestId: `r${i}`,
      startUs: 1e12 + Math.round(start * lengthUs),
      endUs: 1e12 + Math.round((start + length) * lengthUs),
    })),
  }));

describe('ledger: one interval settled', () => {
  it('splits a hand-worked interval into shares, under-filled and idle', () => {
    // 10 s, 4 slots: A busy 0–6 s, B 3–8 s. 0–3 s A alone (¾ of the replica under-filled),
    // 3–6 s both, 6–8 s B alone, 8–10 s idle.
    const { usd, gpuSeconds, shares } = settleInterval(
      base([
        { requestId: 'A', startUs: 0, endUs: 6e6 },
        { requestId: 'B', startUs: 3e6, endUs: 8e6 },
      ]),
    );
    close(shares.get('A')!, 3 / 4 + 3 / 4, 'A');
    close(shares.get('B')!, 3 / 4 + 2 / 4, 'B');
    close(usd.usage, 2.75, 'usage');
    close(usd.underfilled, 3 * 0.75 + 3 * 0.5 + 2 * 0.75, 'under-filled');
    close(usd.idle, 2, 'idle');
    close(usd.bill, 10, 'bill');
    close(gpuSeconds.idle, 4, 'idle GPU-seconds on 2 GPUs');
  });

  it('conserves the bill exactly on random intervals, and the shares sum to usage', () => {
    fc.assert(
      fc.property(intervals, (input) => {
        const { usd, gpuSeconds, shares } = settleInterval(input);
        const held = (input.toUs - input.fromUs) / 1e6;
        close(usd.bill, (held * input.usdPerHour) / 3600, 'bill');
        close(usd.usage + usd.underfilled + usd.idle + usd.unattributed, usd.bill, 'parts');
        close(
          [...shares.values()].reduce((s, x) => s + x, 0),
          usd.usage,
          'shares',
        );
        close(gpuSeconds.bill, held * input.gpuCount, 'GPU-seconds');
        if (input.capacity === null) assert.equal(usd.underfilled, 0);
      }),
      { numRuns: 500 },
    );
  });

  it('charges no request more than the whole replica for its time in the interval, nor idle time anyone was busy', () => {
    fc.assert(
      fc.property(intervals, (input) => {
        const { usd, shares, unseen } = settleInterval(input);
        const perSecond = input.usdPerHour / 3600;
        for (const s of input.spans) {
          const inside = Math.max(0, Math.min(s.endUs, input.toUs) - Math.max(s.startUs, input.fromUs)) / 1e6;
          assert.ok((shares.get(s.requestId) ?? 0) <= inside * perSecond + 1e-12);
        }
        // Idle is exactly the time no span covers (brute force on a grid of the span ends).
        const uncovered = uncoveredSeconds(input);
        const idleOrUnseen = usd.idle + (unseen ? usd.unattributed : 0);
        close(idleOrUnseen, uncovered * perSecond, 'idle');
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same shares and parts whether an interval is settled whole or cut in two', () => {
    fc.assert(
      fc.property(intervals, fc.double({ min: 0.01, max: 0.99, noNaN: true }), (input, at) => {
        const cutUs = input.fromUs + Math.round(at * (input.toUs - input.fromUs));
        fc.pre(cutUs > input.fromUs && cutUs < input.toUs && input.spans.length > 0);
        const whole = settleInterval(input);
        const [a, b] = [
          settleInterval({ ...input, toUs: cutUs }),
          settleInterval({ ...input, fromUs: cutUs }),
        ];
        for (const part of ['usage', 'underfilled', 'idle'] as const)
          close(a.usd[part] + b.usd[part], whole.usd[part], part);
        for (const [id, share] of whole.shares)
          close((a.shares.get(id) ?? 0) + (b.shares.get(id) ?? 0), share, id);
      }),
      { numRuns: 300 },
    );
  });

  it('calls time unattributed when the engine ran requests none of which is known', () => {
    const { usd } = settleInterval(base([], { runningAtStart: 3, runningAtEnd: 2 }));
    close(usd.unattributed, 10, 'unattributed');
    assert.equal(usd.idle, 0);
    const quiet = settleInterval(base([], { runningAtStart: 3, runningAtEnd: 0 }));
    close(quiet.usd.idle, 10, 'a gauge that fell to 0: idle');
    // Capacity unknown, the engine ran 4 while one request is known: it pays a quarter.
    const shared = settleInterval(
      base([{ requestId: 'A', startUs: 0, endUs: 10e6 }], {
        capacity: null,
        runningAtStart: 4,
        runningAtEnd: 4,
      }),
    );
    close(shared.shares.get('A')!, 2.5, 'A');
    close(shared.usd.unattributed, 7.5, 'the other three');
    assert.equal(shared.usd.underfilled, 0);
  });
});

function uncoveredSeconds(input: IntervalInput): number {
  const spans = input.spans
    .map((s) => [Math.max(s.startUs, input.fromUs), Math.min(s.endUs, input.toUs)] as const)
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let covered = 0;
  let reach = input.fromUs;
  for (const [a, b] of spans) {
    if (b <= reach) continue;
    covered += b - Math.max(a, reach);
    reach = b;
  }
  return (input.toUs - input.fromUs - covered) / 1e6;
}
