import type { InferenceRequest } from '../../src/model/request.ts';

/** R7 quantile (linear interpolation between closest ranks), the definition both backends use. */
export function quantileR7(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return (sorted[lo] as number) + (h - lo) * ((sorted[hi] as number) - (sorted[lo] as number));
}

export function inRange(r: InferenceRequest, fromUs: number, toUs: number): boolean {
  return r.arrivalUs >= fromUs && r.arrivalUs < toUs;
}

/** Equal up to a relative 1e-9 (interpolated quantiles and averages may differ in the last bits). */
export function close(actual: number | null | undefined, expected: number | null): boolean {
  if (expected === null) return actual === null;
  if (actual === null || actual === undefined) return false;
  return Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected));
}
