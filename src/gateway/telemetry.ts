import { makeRequest, type InferenceRequest } from '../model/request.ts';
import type { Span } from '../model/span.ts';
import type { GatewayRecord } from './gateway.ts';
import type { EngineTiming } from './engine-timing.ts';

const us = (ms: number | null) => (ms === null ? null : Math.round(ms * 1000));
/** Route scores kept per request: enough to explain the choice, bounded in size. */
const MAX_ROUTE_ATTRIBUTE_CHARS = 2000;

/**
 * The gateway's view of a request as a stored request with its spans: `gateway` (admission and
 * routing, arrival → sent upstream), `route` (the decision, with every candidate's scores) and
 * `stream` (first token → last byte to the client). Engine phases come from the engine's own
 * telemetry under the same trace id, or — for engines that export no traces — from the timing
 * report in its answer (see enginePhases). The prompt family is the hash of the prompt's first
 * block; the prompt text is kept only for tenants with store_prompts.
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
  const timing = record.engineTiming;
  const phases = enginePhases(record);
  const outputTokens = usage?.completionTokens ?? timing?.generatedTokens ?? 0;
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
    tpotUs: tpotUs(record, firstTokenUs, finishedUs, outputTokens),
    ...(phases
      ? {
          engine: phases.engine,
          scheduledUs: phases.prefillStartUs,
          queueUs: phases.queueUs,
          prefillUs: phases.prefillUs,
          decodeUs: phases.decodeUs,
        }
      : {}),
    promptTokens:
      usage?.promptTokens ??
      (timing?.promptTokens != null ? timing.promptTokens + (timing.cachedPromptTokens ?? 0) : 0),
    cachedPromptTokens: usage?.cachedTokens ?? timing?.cachedPromptTokens ?? 0,
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
  if (phases)
    for (const phase of phases.spans)
      spans.push(span(phase.kind, phase.startUs, phase.endUs, phase.attributes));
  // A whole answer has no stream; its first token is the engine's, not a byte the client saw.
  if (firstTokenUs !== null && record.stream)
    spans.push(span('stream', firstTokenUs, finishedUs, { events: String(record.events) }));
  return { request, spans };
}

/**
 * Time per output token after the first: from the engine's decode time where it reports one for a
 * whole answer (the client saw no tokens arrive), else from what the gateway saw stream by.
 */
function tpotUs(
  record: GatewayRecord,
  firstTokenUs: number | null,
  finishedUs: number,
  outputTokens: number,
) {
  const generated = record.engineTiming?.generatedTokens ?? outputTokens;
  if (!record.stream && record.engineTiming && generated > 1)
    return Math.round((record.engineTiming.decodeMs * 1000) / (generated - 1));
  return firstTokenUs !== null && outputTokens > 1 && record.stream
    ? Math.round((finishedUs - firstTokenUs) / (outputTokens - 1))
    : null;
}

interface EnginePhases {
  engine: EngineTiming['source'];
  queueUs: number;
  prefillUs: number;
  decodeUs: number;
  prefillStartUs: number;
  spans: PhaseSpan[];
}

interface PhaseSpan {
  kind: 'queue' | 'prefill' | 'decode' | 'network';
  startUs: number;
  endUs: number;
  attributes: Record<string, string>;
}

/**
 * The engine's phases on the gateway's clock, from the timing report in its answer. The report
 * arrives when the engine has finished, so decode ends then, prefill ends `decodeMs` before and
 * starts `prefillMs` before that. Queue is what is left since the request was sent: measured by the
 * engine where it says (TGI; the rest is network and hand-off), else derived — gateway time at the
 * engine less prefill and decode — and marked so.
 */
export function enginePhases(record: GatewayRecord): EnginePhases | null {
  const timing = record.engineTiming;
  if (!timing || record.engineTimingAtMs === null || record.status !== 'ok') return null;
  const sentUs = us(record.upstreamStartMs ?? record.arrivalMs) as number;
  const endUs = Math.max(sentUs, us(record.engineTimingAtMs) as number);
  const decodeUs = Math.min(us(timing.decodeMs) as number, endUs - sentUs);
  const decodeStartUs = endUs - decodeUs;
  const prefillUs = Math.min(us(timing.prefillMs) as number, decodeStartUs - sentUs);
  const prefillStartUs = decodeStartUs - prefillUs;
  const atEngineUs = prefillStartUs - sentUs;
  const reportedQueueUs = timing.queueMs === null ? null : Math.min(us(timing.queueMs) as number, atEngineUs);
  const queueUs = reportedQueueUs ?? atEngineUs;
  const source = timing.source === 'llamacpp' ? 'llama.cpp timings' : 'TGI timing headers';
  const measured = { 'kb.phase_source': source };
  const spans: PhaseSpan[] = [];
  if (reportedQueueUs !== null && atEngineUs - reportedQueueUs > 0)
    spans.push({
      kind: 'network',
      startUs: sentUs,
      endUs: sentUs + atEngineUs - reportedQueueUs,
      attributes: {
        'kb.phase_source': 'gateway time at the engine less its reported queue, prefill and decode',
      },
    });
  spans.push({
    kind: 'queue',
    startUs: prefillStartUs - queueUs,
    endUs: prefillStartUs,
    attributes:
      reportedQueueUs !== null
        ? measured
        : { 'kb.phase_source': `derived: time at the engine (gateway) less ${source} prefill and decode` },
  });
  const split = (other: string) =>
    timing.phasesMeasured ? measured : { 'kb.phase_source': `${source}, split from ${other} by estimate` };
  spans.push({
    kind: 'prefill',
    startUs: prefillStartUs,
    endUs: decodeStartUs,
    attributes: withCounts(split('decode'), {
      'gen_ai.usage.prompt_tokens_computed': timing.promptTokens,
      'gen_ai.usage.cached_tokens': timing.cachedPromptTokens,
    }),
  });
  spans.push({
    kind: 'decode',
    startUs: decodeStartUs,
    endUs,
    attributes: withCounts(split('prefill'), { 'gen_ai.usage.output_tokens': timing.generatedTokens }),
  });
  return { engine: timing.source, queueUs, prefillUs, decodeUs, prefillStartUs, spans };
}

function withCounts(attributes: Record<string, string>, counts: Record<string, number | null>) {
  const out = { ...attributes };
  for (const [key, value] of Object.entries(counts)) if (value !== null) out[key] = String(value);
  return out;
}

/** A stable 64-bit child span id: the gateway span id with its last byte moved on by the kind's code. */
const CHILD_CODES: Record<string, number> = {
  route: 1,
  stream: 2,
  queue: 3,
  prefill: 4,
  decode: 5,
  network: 6,
};
function deriveSpanId(parent: string, kind: string): string {
  const code = CHILD_CODES[kind] ?? 7;
  return `${parent.slice(0, 14)}${((parseInt(parent.slice(14), 16) + code) % 256).toString(16).padStart(2, '0')}`;
}
