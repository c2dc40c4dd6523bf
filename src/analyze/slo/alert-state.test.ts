import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AlertTracker } from './alert-state.ts';

const M = 60e6;
function run(tracker: AlertTracker, conditions: boolean[]): string[] {
  return conditions.map((c, i) => {
    tracker.step((i + 1) * M, c);
    return tracker.state;
  });
}

describe('alert state (Prometheus rule semantics)', () => {
  it('fires at once with no for, and resolves at once without hysteresis', () => {
    assert.deepEqual(run(new AlertTracker(0, 0), [false, true, true, false]), [
      'inactive',
      'firing',
      'firing',
      'inactive',
    ]);
  });

  it('stays pending for the for duration and drops back if the condition breaks', () => {
    assert.deepEqual(run(new AlertTracker(2 * M, 0), [true, true, false, true, true, true]), [
      'pending',
      'pending',
      'inactive',
      'pending',
      'pending',
      'firing',
    ]);
  });

  it('keeps firing for keep_firing_for after the condition clears, and resets if it returns', () => {
    assert.deepEqual(
      run(new AlertTracker(0, 3 * M), [true, false, false, true, false, false, false, false]),
      [
        'firing',
        'firing', // cleared at 2m: keep firing until 2m + 3m
        'firing',
        'firing', // back: the hysteresis clock resets
        'firing',
        'firing',
        'firing',
        'inactive', // false since 5m, 3 minutes later
      ],
    );
  });
});
