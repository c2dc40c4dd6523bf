export type AlertState = 'inactive' | 'pending' | 'firing';

export interface AlertTransition {
  from: AlertState;
  to: AlertState;
  atUs: number;
}

/**
 * One alert's state over evaluations, with the semantics of a Prometheus alerting rule so that
 * generated rules fire at the same evaluations: the condition must hold for `forUs` (pending, then
 * firing; with 0 it fires at once), and a firing alert keeps firing until the condition has been
 * false for `keepFiringForUs` (hysteresis: a flapping burn rate does not page and resolve again).
 */
export class AlertTracker {
  state: AlertState = 'inactive';
  activeSinceUs = -1;
  firedAtUs = -1;
  private keepFiringSinceUs = -1;

  constructor(
    private readonly forUs: number,
    private readonly keepFiringForUs: number,
  ) {}

  /** Applies one evaluation; returns the transition, if any. */
  step(atUs: number, conditionHolds: boolean): AlertTransition | null {
    const from = this.state;
    if (conditionHolds) {
      this.keepFiringSinceUs = -1;
      if (this.state === 'inactive') {
        this.state = 'pending';
        this.activeSinceUs = atUs;
      }
      if (this.state === 'pending' && atUs - this.activeSinceUs >= this.forUs) {
        this.state = 'firing';
        this.firedAtUs = atUs;
      }
    } else if (this.state === 'pending') {
      this.state = 'inactive';
    } else if (this.state === 'firing') {
      if (this.keepFiringForUs > 0) {
        if (this.keepFiringSinceUs < 0) this.keepFiringSinceUs = atUs;
        if (atUs - this.keepFiringSinceUs < this.keepFiringForUs) return null;
      }
      this.state = 'inactive';
      this.keepFiringSinceUs = -1;
    }
    return from === this.state ? null : { from, to: this.state, atUs };
  }
}
