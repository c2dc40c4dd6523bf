import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { usdTick } from './format.ts';

describe('display formats', () => {
  it('labels money axes with about three significant digits, so neighbouring ticks never read the same', () => {
    const ticks = [0, 0.005, 0.01, 0.015, 0.02].map(usdTick);
    assert.deepEqual(ticks, ['$0', '$0.005', '$0.01', '$0.015', '$0.02']);
    assert.equal(new Set(ticks).size, ticks.length);
    assert.deepEqual([0.000412, 1.25, 3, 1250].map(usdTick), ['$0.000412', '$1.25', '$3', '$1,250']);
  });
});
