/**
 * base^k correctly rounded to the nearest double, computed exactly with BigInt.
 *
 * Engines written in Python or Rust build histogram buckets as `a * b**k` with C's pow(), which
 * rounds correctly for these inputs; V8's Math.pow can be one unit in the last place off, and a
 * bucket bound must match the real engine's to the bit (it is a label value).
 */
export function correctlyRoundedPow(base: number, k: number): number {
  if (!(base > 0) || !Number.isFinite(base) || !Number.isInteger(k) || k < 0) {
    throw new RangeError(
      'correctlyRoundedPow needs a positive finite base and a non-negative integer exponent',
    );
  }
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, base);
  const high = view.getUint32(0);
  const biasedExponent = (high >>> 20) & 0x7ff;
  let mantissa = (BigInt(high & 0xfffff) << 32n) | BigInt(view.getUint32(4));
  let exponent: number;
  if (biasedExponent === 0)
    exponent = -1074; // subnormal
  else {
    mantissa |= 1n << 52n;
    exponent = biasedExponent - 1075;
  }
  const exact = mantissa ** BigInt(k);
  const shift = exact.toString(2).length - 53;
  if (shift <= 0) return Number(exact) * 2 ** (exponent * k);
  let rounded = exact >> BigInt(shift);
  const remainder = exact & ((1n << BigInt(shift)) - 1n);
  const half = 1n << BigInt(shift - 1);
  if (remainder > half || (remainder === half && (rounded & 1n) === 1n)) rounded += 1n;
  return Number(rounded) * 2 ** (exponent * k + shift);
}
