/**
 * A 64-bit key for a request id, as two 32-bit halves: spans reference their request by this
 * key instead of repeating the id string, which keeps the span table fixed-width (cheap to
 * bulk-write and to scan). Lookups also compare the full id on the request row, so a hash
 * collision can never return the wrong request.
 *
 * Two independent multiplicative hashes over UTF-16 code units with a final avalanche mix
 * (the construction of the public-domain cyrb53, kept at 64 bits). Stable across releases:
 * changing it would orphan stored spans.
 */
export function requestKeyHalves(id: string): [low: number, high: number] {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < id.length; i++) {
    const ch = id.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return [h1 >>> 0, h2 >>> 0];
}

/** The key as an unsigned decimal, for SQL literals and JSON inserts. */
export function requestKeyDecimal(id: string): string {
  const [low, high] = requestKeyHalves(id);
  return ((BigInt(high) << 32n) | BigInt(low)).toString();
}
