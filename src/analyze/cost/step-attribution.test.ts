import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { prefillUsdPerFlop, shareStepCost } from './step-attribution.ts';

/** docs/cost.md's hand-worked example: an hour of identical steps on 8 GPUs at $5.00/GPU-hour. */
const HAND_WORKED = {
  costUsd: 40,
  prefillFlops: new Map([
    ['A', 3e14],
    ['B', 1e14],
  ]),
  decodeKvBytes: new Map([
    ['C', 3e9],
    ['D', 1e9],
  ]),
  weightBytes: 140e9,
  flopsPerSecond: 4e15,
  bytesPerSecond: 1.44e12,
};

const cents = (usd: number | undefined) => Math.round((usd ?? NaN) * 100) / 100;

describe('sharing a step’s cost among its batch', () => {
  it('matches the hand-worked example in docs/cost.md to the cent', () => {
    const shares = shareStepCost(HAND_WORKED);
    assert.deepEqual(
      ['A', 'B', 'C', 'D'].map((k) => cents(shares.get(k))),
      [15.0, 5.0, 10.14, 9.86],
    );
    assert.ok(Math.abs((shares.get('C') as number) - (20 * 73) / 144) < 1e-9);
  });

  it('prices a prefill FLOP at the prefill part over the step’s prefill FLOPs (cache savings)', () => {
    // The hand-worked example: the prefill part ($20) over 4 × 10¹⁴ FLOPs. A cache hit that
    // spared request A 1 × 10¹⁴ FLOPs saved $5.00 (docs/cost.md).
    assert.equal(cents(prefillUsdPerFlop(HAND_WORKED) * 1e14), 5.0);
    assert.equal(prefillUsdPerFlop({ ...HAND_WORKED, prefillFlops: new Map() }), 0);
  });

  it('shares decode by the weights read once for the batch plus each sequence’s own KV', () => {
    const shares = shareStepCost({
      costUsd: 1,
      prefillFlops: new Map(),
      decodeKvBytes: new Map([
        ['x', 0],
        ['y', 0],
      ]),
      weightBytes: 1e9,
      flopsPerSecond: 1,
      bytesPerSecond: 1,
    });
    assert.equal(shares.get('x'), 0.5);
    assert.equal(shares.get('y'), 0.5);
  });

  it('always adds up to the step’s cost (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-9, max: 1e3, noNaN: true }),
        fc.array(fc.double({ min: 1, max: 1e15, noNaN: true }), { maxLength: 20 }),
        fc.array(fc.double({ min: 0, max: 1e10, noNaN: true }), { maxLength: 50 }),
        fc.double({ min: 1e8, max: 1e12, noNaN: true }),
        (cost, flops, kv, weights) => {
          fc.pre(flops.length + kv.length > 0);
          const shares = shareStepCost({
            costUsd: cost,
            prefillFlops: new Map(flops.map((f, i) => [`p${i}`, f])),
            decodeKvBytes: new Map(kv.map((b, i) => [`d${i}`, b])),
            weightBytes: weights,
            flopsPerSecond: 5e14,
            bytesPerSecond: 2e12,
          });
          const total = [...shares.values()].reduce((a, b) => a + b, 0);
          assert.ok(Math.abs(total - cost) <= 1e-9 * cost, `${total} vs ${cost}`);
          assert.ok([...shares.values()].every((v) => v >= 0));
        },
      ),
      { numRuns: 500, seed: 1 },
    );
  });
});
