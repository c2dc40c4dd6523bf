import type { InferenceRequest } from '../model/request.ts';
import { makeRequest } from '../model/request.ts';
import { callerFromSpan, type CallerSpan } from './caller-span.ts';
import type { Span, SpanKind } from '../model/span.ts';
import { attributeMap, nanosToMicros, type OtlpResourceSpansData, type OtlpSpanData } from './otlp-types.ts';

/** Engine context an OTLP span does not carry (cluster, replica, model), from the receiver's config. */
export interface TraceContext {
  cluster: string;
  namespace?: string;
  /** Model, when neither the span nor its resource names it (vLLM V1 spans do not). */
  model?: string;
  /** What the scraper knows about a replica (pod): joins traces to the model and cluster it serves. */
  replicaInfo?: (replica: string) => { model: string; cluster: string } | undefined;
}

/**
 * The tenant, when whoever made the call put it on the span: OTel's `user.id` (formerly
 * `enduser.id`). Engines do not by themselves; the gateway does.
 */
function tenantOf(attributes: ReadonlyMap<string, unknown>): string {
  const id = attributes.get('user.id') ?? attributes.get('enduser.id');
  return typeof id === 'string' && id !== '' ? id : 'unknown';
}

export interface DecomposedRequest {
  request: InferenceRequest;
  spans: Span[];
}

const seconds = (v: unknown): number | null =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.round(v * 1e6) : null;

/** Distinct 32-bit salts, one per phase name position (fixed: stored ids depend on them). */
const CHILD_SALTS = [
  0x9e3779b9, 0x7f4a7c15, 0xf39cc060, 0x5ced3c3b, 0x85ebca6b, 0xc2b2ae35, 0x27d4eb2f, 0x165667b1,
];

/**
 * A stable child span id: the parent's id with a per-phase salt XOR-ed into its low 32 bits, so
 * the same trace always decomposes to the same ids, distinct from the parent and each other.
 */
function childSpanId(parentSpanId: string, index: number): string {
  const low =
    (parseInt(parentSpanId.slice(8), 16) ^ (CHILD_SALTS[index % CHILD_SALTS.length] as number)) >>> 0;
  return parentSpanId.slice(0, 8) + low.toString(16).padStart(8, '0');
}

function childSpans(
  parent: { traceId: string; spanId: string; requestId: string },
  phases: [SpanKind, string, number, number, boolean][],
): Span[] {
  return phases
    .filter(([, , , durationUs]) => durationUs >= 0)
    .map(([kind, name, startUs, durationUs, estimated], index) => ({
      traceId: parent.traceId,
      spanId: childSpanId(parent.spanId, index),
      parentSpanId: parent.spanId,
      requestId: parent.requestId,
      kind,
      name,
      startUs,
      durationUs,
      estimated,
      costUsd: null,
      attributes: {},
    }));
}

/**
 * vLLM's `llm_request` span (engines.md §2.3) → the request and its phases. Phase durations come
 * from the engine-core clock and the span start from the frontend's wall clock, so phases are
 * placed relative to the span start: frontend work (TTFT − queue − prefill), queue, prefill (ending
 * at TTFT), decode, then detokenize/return (e2e − TTFT − decode). Exact to the microsecond.
 */
export function decomposeVllmSpan(
  span: OtlpSpanData,
  resource: Map<string, string | number | boolean>,
  context: TraceContext,
): DecomposedRequest | null {
  const a = attributeMap(span.attributes);
  const requestId = a.get('gen_ai.request.id');
  const ttft = seconds(a.get('gen_ai.latency.time_to_first_token'));
  const e2e = seconds(a.get('gen_ai.latency.e2e'));
  if (typeof requestId !== 'string' || e2e === null) return null;
  const queue = seconds(a.get('gen_ai.latency.time_in_queue'));
  const prefill = seconds(a.get('gen_ai.latency.time_in_model_prefill'));
  const decode = seconds(a.get('gen_ai.latency.time_in_model_decode'));
  const promptTokens = Number(a.get('gen_ai.usage.prompt_tokens') ?? a.get('gen_ai.usage.input_tokens') ?? 0);
  const outputTokens = Number(
    a.get('gen_ai.usage.completion_tokens') ?? a.get('gen_ai.usage.output_tokens') ?? 0,
  );
  const arrivalUs = nanosToMicros(span.startTimeUnixNano);
  const error = span.status?.code === 2;
  const service = String(resource.get('service.name') ?? 'vllm');
  const replica = String(resource.get('k8s.pod.name') ?? resource.get('host.name') ?? service);
  const known = context.replicaInfo?.(replica);
  const model = (a.get('gen_ai.response.model') ??
    a.get('gen_ai.request.model') ??
    known?.model ??
    context.model ??
    'unknown') as string;
  const frontend = ttft !== null && queue !== null && prefill !== null ? ttft - queue - prefill : null;
  const request = makeRequest({
    requestId,
    arrivalUs,
    traceId: span.traceId,
    tenant: tenantOf(a),
    cluster: known?.cluster ?? context.cluster,
    namespace: String(resource.get('k8s.namespace.name') ?? context.namespace ?? 'default'),
    workload: service,
    model,
    engine: 'vllm',
    replica,
    scheduledUs: frontend !== null && queue !== null ? arrivalUs + frontend + queue : null,
    firstTokenUs: ttft !== null ? arrivalUs + ttft : null,
    finishedUs: arrivalUs + e2e,
    ttftUs: ttft,
    e2eUs: e2e,
    queueUs: queue,
    prefillUs: prefill,
    decodeUs: decode,
    tpotUs: decode !== null && outputTokens > 1 ? Math.round(decode / (outputTokens - 1)) : null,
    promptTokens,
    outputTokens,
    status: error ? 'error' : 'ok',
    errorClass: error ? (span.status?.message ?? 'engine_error') : null,
    // vLLM's span has no cached-token count: do not claim zero hits.
    attributes: {
      'engine.span_id': span.spanId,
      'kb.unknown': 'cached_prompt_tokens',
      'kb.phases': 'vllm-span',
    },
  });
  // Built on first use: ingestion stores only the request (withDerivedPhases rebuilds on read).
  let spans: Span[] | undefined;
  return {
    request,
    get spans() {
      spans ??= vllmPhaseSpans(request);
      return spans;
    },
  };
}

/**
 * The phases of a request decomposed from a vLLM span, rebuilt from the request's own fields.
 * They are a pure function of what the request row stores (arrival, TTFT, queue, prefill, decode,
 * e2e, the engine span id), so the store keeps only the request and readers call this.
 */
export function vllmPhaseSpans(request: InferenceRequest): Span[] {
  const spanId = request.attributes['engine.span_id'];
  const {
    arrivalUs,
    ttftUs: ttft,
    queueUs: queue,
    prefillUs: prefill,
    decodeUs: decode,
    e2eUs: e2e,
  } = request;
  if (!spanId || !request.traceId || e2e === null) return [];
  const frontend = ttft !== null && queue !== null && prefill !== null ? ttft - queue - prefill : null;
  const phases: [SpanKind, string, number, number, boolean][] = [];
  if (frontend !== null && queue !== null && prefill !== null && ttft !== null) {
    phases.push(['network', 'engine frontend: tokenize and hand off', arrivalUs, frontend, false]);
    phases.push(['queue', 'scheduler queue', arrivalUs + frontend, queue, false]);
    phases.push(['prefill', 'prefill', arrivalUs + frontend + queue, prefill, false]);
  }
  if (ttft !== null && decode !== null) {
    phases.push(['decode', 'decode', arrivalUs + ttft, decode, false]);
    phases.push(['stream', 'detokenize and send', arrivalUs + ttft + decode, e2e - ttft - decode, false]);
  }
  return childSpans({ traceId: request.traceId, spanId, requestId: request.requestId }, phases);
}

/** Marks a request whose phase spans are derived on read (see vllmPhaseSpans) instead of stored. */
export const DERIVED_PHASES_ATTRIBUTE = 'kb.phases';

/** The spans of a stored request: those stored, plus the phases derivable from its fields. */
export function withDerivedPhases(request: InferenceRequest, stored: Span[]): Span[] {
  if (request.attributes[DERIVED_PHASES_ATTRIBUTE] !== 'vllm-span') return stored;
  return [...vllmPhaseSpans(request), ...stored].sort(
    (a, b) => a.startUs - b.startUs || a.spanId.localeCompare(b.spanId),
  );
}

/**
 * SGLang's request trace (engines.md §3.4): the root `" Req …"` span carries TTFT, e2e, decode and
 * inference; its `time_in_model_prefill` includes the queue, so queue and prefill come from the
 * `prefill_waiting` and `prefill_forward` slices when the trace has them, else the split is
 * unknown and the single prefill span is marked estimated.
 */
export function decomposeSglangTrace(
  root: OtlpSpanData,
  slices: readonly OtlpSpanData[],
  context: TraceContext,
  resource: Map<string, string | number | boolean> = new Map(),
): DecomposedRequest | null {
  const a = attributeMap(root.attributes);
  const rid = a.get('rid');
  const e2e = seconds(a.get('gen_ai.latency.e2e'));
  if (typeof rid !== 'string' || e2e === null) return null;
  const ttft = seconds(a.get('gen_ai.latency.time_to_first_token'));
  const inference = seconds(a.get('gen_ai.latency.time_in_model_inference'));
  const arrivalUs = nanosToMicros(root.startTimeUnixNano);
  const slice = (name: string) => {
    const s = slices.find((x) => x.name === name);
    return s
      ? { startUs: nanosToMicros(s.startTimeUnixNano), endUs: nanosToMicros(s.endTimeUnixNano) }
      : null;
  };
  const waiting = slice('prefill_waiting');
  const forward = slice('prefill_forward');
  const dispatchDoneUs = inference !== null ? arrivalUs + e2e - inference : null;
  const firstTokenUs = ttft !== null ? arrivalUs + ttft : null;
  // Slices must be in order (dispatch ≤ wait start ≤ wait end ≤ forward start ≤ first token);
  // otherwise the split is not trusted and queue + prefill become one estimated span.
  const ordered =
    waiting !== null &&
    forward !== null &&
    firstTokenUs !== null &&
    (dispatchDoneUs === null || dispatchDoneUs <= waiting.startUs) &&
    waiting.startUs <= waiting.endUs &&
    waiting.endUs <= forward.startUs &&
    forward.startUs <= firstTokenUs;
  const requestId = `sglang-${rid}`;
  const replica = String(
    resource.get('k8s.pod.name') ?? resource.get('host.name') ?? resource.get('service.name') ?? 'sglang',
  );
  const known = context.replicaInfo?.(replica);
  const request = makeRequest({
    requestId,
    arrivalUs,
    traceId: root.traceId,
    tenant: tenantOf(a),
    cluster: known?.cluster ?? context.cluster,
    namespace: String(resource.get('k8s.namespace.name') ?? context.namespace ?? 'default'),
    workload: String(resource.get('service.name') ?? 'sglang'),
    model: (a.get('gen_ai.response.model') ??
      a.get('gen_ai.request.model') ??
      known?.model ??
      context.model ??
      'unknown') as string,
    engine: 'sglang',
    replica,
    scheduledUs: forward?.startUs ?? null,
    firstTokenUs,
    finishedUs: arrivalUs + e2e,
    ttftUs: ttft,
    e2eUs: e2e,
    queueUs: ordered && waiting ? waiting.endUs - waiting.startUs : null,
    prefillUs: ordered && forward ? forward.endUs - forward.startUs : null,
    decodeUs: seconds(a.get('gen_ai.latency.time_in_model_decode')),
    promptTokens: Number(a.get('gen_ai.usage.prompt_tokens') ?? 0),
    cachedPromptTokens: Number(a.get('gen_ai.usage.cached_tokens') ?? 0),
    outputTokens: Number(a.get('gen_ai.usage.completion_tokens') ?? 0),
    status: root.status?.code === 2 ? 'error' : 'ok',
    attributes: { 'engine.span_id': root.spanId, rid },
  });
  const phases: [SpanKind, string, number, number, boolean][] = [];
  if (dispatchDoneUs !== null)
    phases.push([
      'network',
      'tokenizer: tokenize and dispatch',
      arrivalUs,
      dispatchDoneUs - arrivalUs,
      false,
    ]);
  if (ordered && waiting && forward && firstTokenUs !== null) {
    // Scheduler receive → wait-queue entry (the request_process stage, plus IPC).
    if (dispatchDoneUs !== null)
      phases.push([
        'network',
        'hand-off to the scheduler',
        dispatchDoneUs,
        waiting.startUs - dispatchDoneUs,
        false,
      ]);
    phases.push(['queue', 'scheduler queue', waiting.startUs, waiting.endUs - waiting.startUs, false]);
    phases.push(['prefill', 'prefill', forward.startUs, firstTokenUs - forward.startUs, false]);
  } else if (dispatchDoneUs !== null && firstTokenUs !== null) {
    phases.push([
      'prefill',
      'queue and prefill (not split in this trace)',
      dispatchDoneUs,
      firstTokenUs - dispatchDoneUs,
      true,
    ]);
  }
  if (firstTokenUs !== null)
    phases.push(['decode', 'decode and send', firstTokenUs, arrivalUs + e2e - firstTokenUs, false]);
  return { request, spans: childSpans({ traceId: root.traceId, spanId: root.spanId, requestId }, phases) };
}

/** Decoded input may hold anything where an array belongs: treat non-arrays as empty. */
function asArray<T>(value: readonly T[] | T[] | undefined | null | unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

/** Why a decoded span cannot be used, or null when its shape is sound. */
function spanProblem(span: OtlpSpanData): string | null {
  if (typeof span !== 'object' || span === null) return 'span is not an object';
  if (
    typeof span.traceId !== 'string' ||
    !/^[0-9a-f]{32}$/.test(span.traceId) ||
    !/^[0-9a-f]{16}$/.test(String(span.spanId))
  ) {
    return `span ${String(span.name)}: trace id must be 32 and span id 16 hex digits`;
  }
  if (typeof span.name !== 'string') return 'span without a name';
  for (const field of ['startTimeUnixNano', 'endTimeUnixNano'] as const) {
    const value = span[field];
    if (
      !(typeof value === 'string'
        ? /^\d{1,20}$/.test(value)
        : typeof value === 'number' && Number.isFinite(value) && value >= 0)
    ) {
      return `span ${span.name}: ${field} must be a non-negative integer of nanoseconds`;
    }
  }
  if (span.attributes !== undefined && !Array.isArray(span.attributes))
    return `span ${span.name}: attributes must be a list`;
  return null;
}

/**
 * Every request found in a batch of OTLP resource spans, by engine convention, and the calling
 * applications' GenAI client spans (caller-span.ts). Spans of other kinds are ignored; engine
 * request spans that lack what a request needs are reported invalid.
 */
export function decomposeResourceSpans(
  resourceSpans: readonly OtlpResourceSpansData[],
  context: TraceContext,
): { decomposed: DecomposedRequest[]; callers: CallerSpan[]; invalid: string[] } {
  const out: DecomposedRequest[] = [];
  const callers: CallerSpan[] = [];
  const invalid: string[] = [];
  const sglangSlices = new Map<string, OtlpSpanData[]>();
  const sglangRoots: { span: OtlpSpanData; resource: Map<string, string | number | boolean> }[] = [];
  for (const rs of asArray<OtlpResourceSpansData>(resourceSpans)) {
    const resource = attributeMap(asArray(rs?.resource?.attributes));
    for (const scope of asArray<NonNullable<OtlpResourceSpansData['scopeSpans']>[number]>(rs?.scopeSpans)) {
      for (const span of asArray<OtlpSpanData>(scope?.spans)) {
        const problem = spanProblem(span);
        if (problem) {
          invalid.push(problem);
          continue;
        }
        // One span a decoder chokes on is rejected alone; the rest of the batch is kept.
        try {
          classify(span, resource);
        } catch (err) {
          invalid.push(`span ${String(span.spanId).slice(0, 16)}: ${(err as Error).message.slice(0, 200)}`);
        }
      }
    }
  }
  /** Where one span goes: a vLLM request, an SGLang root or slice, or a calling app's span. */
  function classify(span: OtlpSpanData, resource: Map<string, string | number | boolean>): void {
    if (span.name === 'llm_request') {
      const decomposed = decomposeVllmSpan(span, resource, context);
      if (decomposed) out.push(decomposed);
      else invalid.push('llm_request span without gen_ai.request.id or gen_ai.latency.e2e');
      return;
    }
    if (/^ ?(prefill |decode )?Req [0-9a-f]+$/.test(span.name) || span.name.startsWith(' Req ')) {
      sglangRoots.push({ span, resource });
      return;
    }
    const caller = callerFromSpan(span, resource);
    if (caller) return void callers.push(caller);
    const list = sglangSlices.get(span.traceId) ?? [];
    list.push(span);
    sglangSlices.set(span.traceId, list);
  }
  for (const { span: root, resource } of sglangRoots) {
    try {
      const decomposed = decomposeSglangTrace(root, sglangSlices.get(root.traceId) ?? [], context, resource);
      if (decomposed) out.push(decomposed);
      else invalid.push('SGLang request span without rid or gen_ai.latency.e2e');
    } catch (err) {
      invalid.push(
        `SGLang trace ${String(root.traceId).slice(0, 32)}: ${(err as Error).message.slice(0, 200)}`,
      );
    }
  }
  return { decomposed: out, callers, invalid };
}
