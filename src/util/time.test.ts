import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDurationUs, parseDurationMs, parseTimeUs } from './time.ts';

describe('time arguments', () => {
  it('parses durations with every unit', () => {
    assert.equal(parseDurationMs('500ms'), 500);
    assert.equal(parseDurationMs('30s'), 30_000);
    assert.equal(parseDurationMs('1.5h'), 5_400_000);
    assert.equal(parseDurationMs('28d'), 2_419_200_000);
  });

  it('rejects a duration without a unit, naming the input', () => {
    assert.throws(() => parseDurationMs('28'), /invalid duration "28"/);
  });

  it('reads now, durations ago, ISO dates and epoch milliseconds', () => {
    const now = Date.UTC(2026, 10, 25, 12);
    assert.equal(parseTimeUs('now', now), now * 1000);
    assert.equal(parseTimeUs('24h', now), (now - 86_400_000) * 1000);
    assert.equal(parseTimeUs('-30m', now), (now - 1_800_000) * 1000);
    assert.equal(parseTimeUs('2026-11-20T00:00:00Z', now), Date.UTC(2026, 10, 20) * 1000);
    assert.equal(parseTimeUs('1764028800000', now), 1764028800000 * 1000);
    assert.throws(() => parseTimeUs('yesterday', now), /invalid time "yesterday"/);
  });

  it('formats durations in the largest fitting unit', () => {
    assert.equal(formatDurationUs(999), '999 µs');
    assert.equal(formatDurationUs(1234), '1.23 ms');
    assert.equal(formatDurationUs(2_500_000), '2.50 s');
    assert.equal(formatDurationUs(null), '—');
  });
});
