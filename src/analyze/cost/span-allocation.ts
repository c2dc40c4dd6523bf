import type { InferenceRequest } from '../../model/request.ts';
import type { Span, SpanKind } from '../../model/span.ts';

/** Spans in which the request held GPU time: its price is theirs. Waiting and transport cost nothing. */
const GPU_BUSY: ReadonlySet<SpanKind> = new Set(['prefill', 'decode', 'kv_transfer']);

export const ALLOCATED_COST_ATTRIBUTE = 'kb.cost_source';

/**
 * A dollar figure on every span of a request priced as a whole (the cost ledger prices the
 * request, not its spans): the request's cost split over its GPU-busy spans by duration, zero on
 * the others. Spans priced already, or a request without a price, are returned unchanged.
 */
export function allocateSpanCosts(request: InferenceRequest, spans: readonly Span[]): Span[] {
  if (request.costUsd === null || spans.some((s) => s.costUsd !== null)) return [...spans];
  const busyUs = spans.filter((s) => GPU_BUSY.has(s.kind)).reduce((sum, s) => sum + s.durationUs, 0);
  if (busyUs <= 0) return [...spans];
  const cost = request.costUsd;
  return spans.map((s) => ({
    ...s,
    costUsd: GPU_BUSY.has(s.kind) ? (cost * s.durationUs) / busyUs : 0,
    attributes: { ...s.attributes, [ALLOCATED_COST_ATTRIBUTE]: 'request cost split by GPU-busy time' },
  }));
}
