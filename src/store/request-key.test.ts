import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { requestKeyDecimal, requestKeyHalves } from './request-key.ts';

describe('request key', () => {
  it('is stable across releases (stored spans depend on it)', () => {
    assert.equal(requestKeyDecimal('chatcmpl-abc123'), requestKeyDecimal('chatcmpl-abc123'));
    assert.deepEqual(requestKeyHalves(''), requestKeyHalves(''));
    assert.equal(requestKeyDecimal('chatcmpl-abc123'), '10027462124233324341');
  });

  it('spreads 100,000 similar ids over distinct keys', () => {
    const keys = new Set<string>();
    for (let i = 0; i < 100_000; i++) keys.add(requestKeyDecimal(`chatcmpl-${i}`));
    assert.equal(keys.size, 100_000);
  });

  it('uses the full 64 bits', () => {
    let highBitSet = 0;
    for (let i = 0; i < 1000; i++) if (requestKeyHalves(`req-${i}`)[1] >= 2 ** 31) highBitSet++;
    assert.ok(highBitSet > 400 && highBitSet < 600, `${highBitSet} of 1000 keys have the top bit set`);
  });
});
