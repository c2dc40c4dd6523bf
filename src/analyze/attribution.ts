import type { InferenceRequest } from '../model/request.ts';
import type { Span, SpanKind } from '../model/span.ts';

export const ATTRIBUTION_PARTS = [
  'gateway',
  'network',
  'queue',
  'compute',
  'waits',
  'stream',
  'other',
] as const;
export type AttributionPart = (typeof ATTRIBUTION_PARTS)[number];

/** Who to look at first: the gateway/app side, the engine's scheduler, the GPU work, or waits for memory. */
export type Blame =
  'gateway' | 'network' | 'engine queue' | 'gpu compute' | 'kv/memory waits' | 'client stream';

export interface Attribution {
  e2eUs: number;
  parts: { part: AttributionPart; us: number; share: number }[];
  blame: Blame | null;
}

const PART_OF: Partial<Record<SpanKind, AttributionPart>> = {
  gateway: 'gateway',
  route: 'gateway',
  network: 'network',
  queue: 'queue',
  prefill: 'compute',
  decode: 'compute',
  preemption_wait: 'waits',
  kv_eviction_wait: 'waits',
  kv_transfer: 'waits',
};

const BLAME: Record<Exclude<AttributionPart, 'other'>, Blame> = {
  gateway: 'gateway',
  network: 'network',
  queue: 'engine queue',
  compute: 'gpu compute',
  waits: 'kv/memory waits',
  stream: 'client stream',
};

/**
 * Splits one request's end-to-end time into where it went: the gateway (admission, routing), the
 * network to the engine, the engine queue, GPU compute (prefill + decode), waits for memory
 * (preemption, KV eviction, KV transfer) and streaming the tail to the client. Spans of one part
 * may overlap (the stream overlaps decode), so each part counts the time covered by its spans once,
 * then time not yet counted goes to the parts in order: waits and queue before compute, and what
 * no span covers is `other`. The shares sum to 1.
 */
export function attributeRequest(request: InferenceRequest, spans: readonly Span[]): Attribution {
  const start = request.arrivalUs;
  const end =
    request.finishedUs ??
    (request.e2eUs !== null
      ? start + request.e2eUs
      : Math.max(start, ...spans.map((s) => s.startUs + s.durationUs)));
  const e2eUs = Math.max(0, end - start);
  // One timeline of microsecond intervals, claimed by the first part (in priority order) covering them.
  const priority: AttributionPart[] = ['waits', 'queue', 'gateway', 'network', 'compute', 'stream'];
  const intervals = new Map<AttributionPart, [number, number][]>();
  for (const span of spans) {
    const part = span.kind === 'stream' ? 'stream' : PART_OF[span.kind];
    if (!part) continue;
    const from = Math.max(start, span.startUs);
    const to = Math.min(end, span.startUs + span.durationUs);
    if (to > from) intervals.set(part, [...(intervals.get(part) ?? []), [from, to]]);
  }
  const claimed: [number, number][] = [];
  const totals = new Map<AttributionPart, number>();
  for (const part of priority) {
    for (const [from, to] of intervals.get(part) ?? []) {
      const free = subtract([from, to], claimed);
      for (const piece of free) {
        totals.set(part, (totals.get(part) ?? 0) + piece[1] - piece[0]);
        claimed.push(piece);
      }
    }
  }
  const covered = [...totals.values()].reduce((a, b) => a + b, 0);
  totals.set('other', Math.max(0, e2eUs - covered));
  const parts = ATTRIBUTION_PARTS.map((part) => {
    const us = totals.get(part) ?? 0;
    return { part, us, share: e2eUs > 0 ? us / e2eUs : 0 };
  });
  const top = parts.filter((p) => p.part !== 'other' && p.us > 0).sort((a, b) => b.us - a.us)[0];
  return { e2eUs, parts, blame: top ? BLAME[top.part as Exclude<AttributionPart, 'other'>] : null };
}

/** The parts of [from, to) not covered by any of the claimed intervals. */
function subtract(interval: [number, number], claimed: readonly [number, number][]): [number, number][] {
  let pieces: [number, number][] = [interval];
  for (const [cFrom, cTo] of claimed) {
    const next: [number, number][] = [];
    for (const [from, to] of pieces) {
      if (cTo <= from || cFrom >= to) next.push([from, to]);
      else {
        if (cFrom > from) next.push([from, cFrom]);
        if (cTo < to) next.push([cTo, to]);
      }
    }
    pieces = next;
  }
  return pieces;
}
