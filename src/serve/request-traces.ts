import type { InferenceRequest } from '../model/request.ts';
import type { Span } from '../model/span.ts';
import {
  doubleAttribute as dbl,
  intAttribute as int,
  microsToNanos as ns,
  stringAttribute as str,
  type OtlpResourceSpans,
  type OtlpSpan,
} from './otlp-json.ts';

/** A stable id for the request's own span: its phases point to it as their parent. */
function requestSpanId(spans: readonly Span[], request: InferenceRequest): string {
  return spans[0]?.parentSpanId ?? request.attributes['engine.span_id'] ?? '0000000000000001';
}

/**
 * A decomposed request as OTLP spans, so the same phase breakdown shows in Jaeger, Tempo or
 * Datadog: one SERVER span for the request (GenAI semantic-convention attributes, cost, cached
 * tokens) and one INTERNAL span per phase with its kind, cost and whether it was estimated.
 */
export function requestToOtlp(request: InferenceRequest, spans: readonly Span[]): OtlpResourceSpans | null {
  if (!request.traceId || !/^[0-9a-f]{32}$/.test(request.traceId)) return null;
  const rootId = requestSpanId(spans, request);
  const root: OtlpSpan = {
    traceId: request.traceId,
    spanId: rootId,
    name: `inference ${request.model}`,
    kind: 2,
    startTimeUnixNano: ns(request.arrivalUs),
    endTimeUnixNano: ns(request.arrivalUs + (request.e2eUs ?? 0)),
    attributes: [
      str('gen_ai.operation.name', 'chat'),
      str('gen_ai.provider.name', request.engine),
      str('gen_ai.request.model', request.model),
      str('gen_ai.response.id', request.requestId),
      int('gen_ai.usage.input_tokens', request.promptTokens),
      int('gen_ai.usage.output_tokens', request.outputTokens),
      int('kubeburner.usage.cached_input_tokens', request.cachedPromptTokens),
      str('kubeburner.team', request.team),
      str('kubeburner.cluster', request.cluster),
      str('kubeburner.replica', request.replica),
      ...(request.ttftUs !== null ? [dbl('gen_ai.server.time_to_first_token', request.ttftUs / 1e6)] : []),
      ...(request.costUsd !== null ? [dbl('kubeburner.cost_usd', request.costUsd)] : []),
    ],
    status: request.status === 'ok' ? {} : { code: 2, message: request.errorClass ?? request.status },
  };
  const children: OtlpSpan[] = spans.map((span) => ({
    traceId: request.traceId as string,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId === rootId || span.parentSpanId === null ? rootId : span.parentSpanId,
    name: span.name,
    kind: 1,
    startTimeUnixNano: ns(span.startUs),
    endTimeUnixNano: ns(span.startUs + span.durationUs),
    attributes: [
      str('kubeburner.span.kind', span.kind),
      ...(span.estimated ? [str('kubeburner.estimated', 'true')] : []),
      ...(span.costUsd !== null ? [dbl('kubeburner.cost_usd', span.costUsd)] : []),
      ...Object.entries(span.attributes).map(([k, v]) => str(`kubeburner.${k}`, v)),
    ],
    status: {},
  }));
  return {
    resource: {
      attributes: [
        str('service.name', 'kubeburner'),
        str('k8s.pod.name', request.replica),
        str('k8s.namespace.name', request.namespace),
      ],
    },
    scopeSpans: [{ scope: { name: 'kubeburner.decompose' }, spans: [root, ...children] }],
  };
}
