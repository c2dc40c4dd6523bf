import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { correctlyRoundedPow } from './exact-pow.ts';

describe('correctly rounded pow', () => {
  it('reproduces the bucket bounds SGLang prints (0.001 × 1.62^k)', () => {
    // Values as they appear on SGLang's wire (shared/fixtures/engines/sglang).
    assert.equal(0.001 * correctlyRoundedPow(1.62, 7), 0.029282294342350097);
    assert.equal(0.001 * correctlyRoundedPow(1.62, 8), 0.047437316834607154);
    assert.equal(0.001 * correctlyRoundedPow(1.62, 16), 2.2502990284669036);
    assert.equal(0.001 * correctlyRoundedPow(1.62, 29), 1191.064887146242);
  });

  it('is exact where the result is representable', () => {
    assert.equal(correctlyRoundedPow(2, 10), 1024);
    assert.equal(correctlyRoundedPow(1.5, 3), 3.375);
    assert.equal(correctlyRoundedPow(7, 0), 1);
  });

  it('rejects inputs it does not handle', () => {
    assert.throws(() => correctlyRoundedPow(-2, 2), /positive finite base/);
    assert.throws(() => correctlyRoundedPow(2, 0.5), /non-negative integer exponent/);
  });
});
