import { z } from 'zod';
import type { RequestDimension } from '../store/store.ts';
import { parseDurationMs, parseTimeUs } from '../util/time.ts';
import { Forbidden } from './auth.ts';

/** Query parameters shared by the API's routes, validated at the boundary. */
const list = z
  .string()
  .transform((v) => v.split(',').filter(Boolean))
  .optional();

export const filterQuery = z.object({
  from: z
    .string()
    .default('15m')
    .describe('start: a duration back from now (15m, 24h, 7d), an ISO time or epoch ms'),
  to: z.string().default('now').describe('end: now, a duration back from now, an ISO time or epoch ms'),
  model: list.describe('models, comma-separated'),
  team: list.describe('teams, comma-separated'),
  cluster: list.describe('clusters, comma-separated'),
  status: list.describe('outcomes (ok, error, timeout, cancelled, rejected), comma-separated'),
  replica: list.describe('replicas, comma-separated'),
});

export class BadRequest extends Error {}

/** Times a query may name: 1970 to 2200 (beyond, no store's timestamp type holds them). */
const LATEST_QUERY_US = Date.UTC(2200, 0, 1) * 1000;

export function range(query: { from: string; to: string }, nowUs: number) {
  const nowMs = nowUs / 1000;
  const at = (name: 'from' | 'to', round: (n: number) => number) => {
    let us: number;
    try {
      us = round(parseTimeUs(query[name], nowMs));
    } catch (err) {
      throw new BadRequest((err as Error).message);
    }
    if (!(us >= 0 && us <= LATEST_QUERY_US))
      throw new BadRequest(`${name}: "${query[name].slice(0, 40)}" is outside 1970–2200`);
    return us;
  };
  return { fromUs: at('from', Math.floor), toUs: at('to', Math.ceil) };
}

export function where(query: z.infer<typeof filterQuery>): Partial<Record<RequestDimension, string[]>> {
  const out: Partial<Record<RequestDimension, string[]>> = {};
  for (const key of ['model', 'team', 'cluster', 'status', 'replica'] as const)
    if (query[key]) out[key] = query[key];
  return out;
}

/**
 * Bad input is the caller's to fix (400, with what is wrong); a scope that does not reach the data
 * is 403; anything else is ours (500).
 */
export function apiError(err: Error): { status: 400 | 403 | 500; body: Record<string, string> } {
  if (err instanceof BadRequest || err instanceof RangeError)
    return { status: 400, body: { error: err.message } };
  if (err instanceof Forbidden) return { status: 403, body: { error: err.message } };
  // A bug: the caller gets no internals (messages can quote SQL or paths); the log has them.
  return { status: 500, body: { error: 'internal error' } };
}

/** A step for series over a range: about `points` points, whole minutes, at least one. */
export function autoStepUs(range: { fromUs: number; toUs: number }, points = 120): number {
  const minute = 60e6;
  return Math.max(minute, Math.ceil((range.toUs - range.fromUs) / points / minute) * minute);
}

/** A `step` query parameter (e.g. 1m, 1h) in µs; a bad one is the caller's to fix. */
export function parseStepUs(step: string, parameter = 'step'): number {
  try {
    return parseDurationMs(step) * 1000;
  } catch (err) {
    throw new BadRequest(`${parameter}: ${(err as Error).message}`);
  }
}

/** Series are at most this many buckets: a day at 1 s, or years at 1 h, is a request to refuse. */
export const MAX_BUCKETS = 5000;

/** The `step` of a series over `range`, refused when it would make more than MAX_BUCKETS buckets. */
export function seriesStepUs(step: string, range: { fromUs: number; toUs: number }): number {
  const stepUs = parseStepUs(step);
  const buckets = Math.ceil((range.toUs - range.fromUs) / stepUs);
  if (!(stepUs > 0) || buckets > MAX_BUCKETS)
    throw new BadRequest(
      `step: ${step} over this range makes ${buckets} buckets (at most ${MAX_BUCKETS}): use a larger step or a shorter range`,
    );
  return stepUs;
}
