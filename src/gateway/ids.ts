import { randomBytes } from 'node:crypto';

/**
 * Ids for the hot path without a crypto call per request: a random per-process prefix and a
 * counter. Unique across processes (the prefix) and within one (the counter); trace ids keep
 * 96 random bits, span ids 32, as W3C asks of them for uniqueness (not secrecy).
 */
const prefix = randomBytes(12).toString('hex');
let counter = Math.floor(Math.random() * 2 ** 31);

function next(): string {
  counter = (counter + 1) % 2 ** 32;
  return counter.toString(16).padStart(8, '0');
}

export const newTraceId = (): string => `${prefix}${next()}`;
export const newSpanId = (): string => `${prefix.slice(0, 8)}${next()}`;
export const newRequestId = (): string => `gw-${prefix.slice(0, 12)}${next()}`;
