import type { InferenceRequest } from '../model/request.ts';
import type { RequestRecord } from './merge-gateway.ts';
import { attributeMap, nanosToMicros, type OtlpSpanData } from './otlp-types.ts';

/**
 * The calling application's side of a model call: an OpenTelemetry GenAI client span (name
 * `{gen_ai.operation.name} {gen_ai.request.model}`, kind CLIENT) exported by the app that sent the
 * request. Engines do not know who called them; the app's span does, and shares the trace id.
 */
export interface CallerSpan {
  traceId: string;
  spanId: string;
  /** `kubeburner.tenant` on the span or its resource, else the app's `service.name`. */
  tenant: string;
  /** From the config's `tenants` (filled by the collector); `unknown` until then. */
  team: string;
  service: string;
  operation: string;
  startUs: number;
  endUs: number;
  /** Usage the API answered with (`gen_ai.usage.*`), for engines whose traces carry none. */
  inputTokens: number | null;
  outputTokens: number | null;
}

const OTLP_SPAN_KIND_CLIENT = 3;
/** Operations that call a model (not tools or agents, which engines never see as requests). */
const MODEL_CALLS = new Set(['chat', 'text_completion', 'generate_content', 'embeddings']);

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const count = (v: unknown): number | null =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : null;

/** The caller a span describes, or null when it is not a GenAI client span calling a model. */
export function callerFromSpan(
  span: OtlpSpanData,
  resource: ReadonlyMap<string, string | number | boolean>,
): CallerSpan | null {
  if (span.kind !== OTLP_SPAN_KIND_CLIENT) return null;
  const attributes = attributeMap(span.attributes);
  const operation = text(attributes.get('gen_ai.operation.name'));
  if (!operation || !MODEL_CALLS.has(operation)) return null;
  const service = text(resource.get('service.name')) ?? 'unknown_service';
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    tenant: text(attributes.get('kubeburner.tenant')) ?? text(resource.get('kubeburner.tenant')) ?? service,
    team: 'unknown',
    service,
    operation,
    startUs: nanosToMicros(span.startTimeUnixNano),
    endUs: nanosToMicros(span.endTimeUnixNano),
    inputTokens: count(
      attributes.get('gen_ai.usage.input_tokens') ?? attributes.get('gen_ai.usage.prompt_tokens'),
    ),
    outputTokens: count(
      attributes.get('gen_ai.usage.output_tokens') ?? attributes.get('gen_ai.usage.completion_tokens'),
    ),
  };
}

/**
 * Which of a trace's callers made this request: an agent's trace holds several model calls, so the
 * one whose span encloses the engine's time, the tightest when several do; else the first (clocks
 * of app and engine may disagree by more than the network hop).
 */
export function callerOf(callers: readonly CallerSpan[], request: InferenceRequest): CallerSpan | undefined {
  const end = request.finishedUs ?? request.arrivalUs;
  let best: CallerSpan | undefined;
  for (const c of callers) {
    if (c.startUs > request.arrivalUs || c.endUs < end) continue;
    if (!best || c.endUs - c.startUs < best.endUs - best.startUs) best = c;
  }
  return best ?? callers[0];
}

/**
 * An engine's record of a request, told who called it: the caller's tenant and team where the
 * engine did not know them, token counts where the engine's trace has none (SGLang's), and the
 * caller's own view (service, round trip) as attributes.
 */
export function withCaller(record: RequestRecord, caller: CallerSpan): RequestRecord {
  const request: InferenceRequest = {
    ...record.request,
    tenant: record.request.tenant !== 'unknown' ? record.request.tenant : caller.tenant,
    team: record.request.team !== 'unknown' ? record.request.team : caller.team,
    promptTokens: record.request.promptTokens || (caller.inputTokens ?? 0),
    outputTokens: record.request.outputTokens || (caller.outputTokens ?? 0),
    attributes: {
      ...record.request.attributes,
      'caller.service': caller.service,
      'caller.span_id': caller.spanId,
      'caller.duration_us': String(caller.endUs - caller.startUs),
    },
  };
  return { request, spans: record.spans };
}
