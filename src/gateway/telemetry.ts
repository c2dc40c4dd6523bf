import { makeRequest, type InferenceRequest } from '../model/request.ts';
import type { Span } from '../model/span.ts';
import type { GatewayRecord } from './gateway.ts';

const us = (ms: number | null) => (ms === null ? null : Math.round(ms * 1000));
/** Route scores kept per request: enough to explain the choice, bounded in size. */
const MAX_ROUTE_ATTRIBUTE_CHARS = 2000;

/**
 * The gateway's view of a request as a stored request with its spans: `gateway` (admission and
 * routing, arrival → sent upstream), `route` (the decision, with every candidate's scores) and
 * `stream` (first token → last byte to the client). Engine phases come from the engine's own
 * telemetry under the same trace id. The prompt family is the hash of the prompt's first block;
 * the prompt text is kept only for tenants with store_prompts.
 */
export function gatewayRecordToRequest(
  record: GatewayRecord,
  context: { cluster: string; modelAliases?: Readonly<Record<string, string>> },
): { request: InferenceRequest; spans: Span[] } {
  const arrivalUs = us(record.arrivalMs) as number;
  const firstTokenUs = us(record.firstTokenMs);
  const finishedUs = us(record.finishedMs) as number;
  const usage = record.usage;
  const attributes: Record<string, string> = {
    source: 'gateway',
    'http.path': record.path,
    'http.status_code': String(record.httpStatus),
    'gateway.stream': String(record.stream),
    'gateway.attempts': String(record.attempts),
  };
  if (record.priority) attributes['gateway.priority'] = record.priority;
  if (record.upstream) attributes['gateway.upstream'] = record.upstream;
  if (record.meanGapMs !== null) attributes['gateway.mean_chunk_gap_ms'] = record.meanGapMs.toFixed(3);
  if (record.events > 0) attributes['gateway.max_chunk_gap_ms'] = String(record.maxGapMs);
  if (record.prompt !== null) attributes['gen_ai.prompt'] = record.prompt;
  const outputTokens = usage?.completionTokens ?? 0;
  const request = makeRequest({
    requestId: record.requestId,
    arrivalUs,
    traceId: record.traceId,
    tenant: record.tenant ?? 'unknown',
    team: record.team ?? 'unknown',
    cluster: context.cluster,
    model: record.model === null ? 'unknown' : (context.modelAliases?.[record.model] ?? record.model),
    replica: record.replica ?? 'unknown',
    gatewayInUs: arrivalUs,
    gatewayOutUs: us(record.upstreamStartMs),
    firstTokenUs,
    finishedUs,
    ttftUs: firstTokenUs === null ? null : firstTokenUs - arrivalUs,
    ttftVisibleUs:
      record.firstVisibleTokenMs === null ? null : (us(record.firstVisibleTokenMs) as number) - arrivalUs,
    e2eUs: finishedUs - arrivalUs,
    tpotUs:
      firstTokenUs !== null && outputTokens > 1
        ? Math.round((finishedUs - firstTokenUs) / (outputTokens - 1))
        : null,
    promptTokens: usage?.promptTokens ?? 0,
    cachedPromptTokens: usage?.cachedTokens ?? 0,
    outputTokens,
    reasoningTokens: usage?.reasoningTokens ?? 0,
    status: record.status,
    errorClass: record.errorClass,
    retries: Math.max(0, record.attempts - 1),
    promptFamily: record.prefixHashes[0] ?? null,
    attributes,
  });
  const span = (kind: Span['kind'], startUs: number, endUs: number, attrs: Record<string, string>): Span => ({
    traceId: record.traceId,
    spanId: kind === 'gateway' ? record.upstreamSpanId : deriveSpanId(record.upstreamSpanId, kind),
    parentSpanId: kind === 'gateway' ? record.parentSpanId : record.upstreamSpanId,
    requestId: record.requestId,
    kind,
    name: kind,
    startUs,
    durationUs: Math.max(0, endUs - startUs),
    estimated: false,
    costUsd: null,
    attributes: attrs,
  });
  const sentUs = request.gatewayOutUs ?? finishedUs;
  const spans = [span('gateway', arrivalUs, sentUs, { tenant: request.tenant })];
  if (record.route) {
    const scores = JSON.stringify(record.route);
    spans.push(
      span('route', sentUs, sentUs, {
        'route.chosen': record.upstream ?? '',
        'route.scores':
          scores.length > MAX_ROUTE_ATTRIBUTE_CHARS
            ? `${scores.slice(0, MAX_ROUTE_ATTRIBUTE_CHARS)}…`
            : scores,
      }),
    );
  }
  if (firstTokenUs !== null)
    spans.push(span('stream', firstTokenUs, finishedUs, { events: String(record.events) }));
  return { request, spans };
}

/** A stable 64-bit child span id: the gateway span id with its last byte set by the kind. */
function deriveSpanId(parent: string, kind: string): string {
  const code = kind === 'route' ? 1 : 2;
  return `${parent.slice(0, 14)}${((parseInt(parent.slice(14), 16) + code) % 256).toString(16).padStart(2, '0')}`;
}
