/**
 * The fixed set of span kinds a request is decomposed into. Order is the usual order on the
 * request path, which the flame graph uses for layout.
 */
export const SPAN_KINDS = [
  'gateway',
  'route',
  'network',
  'queue',
  'prefill',
  'kv_transfer',
  'decode',
  'preemption_wait',
  'kv_eviction_wait',
  'stream',
] as const;
export type SpanKind = (typeof SPAN_KINDS)[number];

export const SPAN_KIND_DESCRIPTIONS: Record<SpanKind, string> = {
  gateway: 'time inside the gateway: auth, policy, body handling (excludes routing)',
  route: 'choosing a replica (scoring, health, retries before the first byte)',
  network: 'transport between gateway and engine, or client and gateway',
  queue: 'waiting in the engine scheduler before the first schedule',
  prefill: 'computing the prompt; attributes split cached vs computed prompt tokens',
  kv_transfer: 'moving KV cache between pods (disaggregated prefill/decode)',
  decode: 'generating output tokens after the first',
  preemption_wait: 'time lost after a preemption: waiting to be rescheduled and recomputing',
  kv_eviction_wait: 'waiting for KV blocks to be freed or reloaded after eviction',
  stream: 'sending tokens back to the client after the engine produced them',
};

export interface Span {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  requestId: string;
  kind: SpanKind;
  name: string;
  startUs: number;
  durationUs: number;
  /** True when the span was reconstructed from aggregates rather than measured (never invent precision). */
  estimated: boolean;
  /** Filled by the cost model; null until priced. */
  costUsd: number | null;
  attributes: Record<string, string>;
}

export function isSpanKind(value: string): value is SpanKind {
  return (SPAN_KINDS as readonly string[]).includes(value);
}
