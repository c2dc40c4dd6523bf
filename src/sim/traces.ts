import { OUTPUT_PROCESSING_US, type FinishedSequence } from './engine.ts';
import type { Random } from './random.ts';
import { requestKeyHalves } from '../store/request-key.ts';

import {
  doubleAttribute as dbl,
  intAttribute as int,
  microsToNanos as ns,
  stringAttribute as str,
  type OtlpAttribute,
  type OtlpResourceSpans,
  type OtlpSpan,
} from '../serve/otlp-json.ts';

export type { OtlpResourceSpans, OtlpSpan } from '../serve/otlp-json.ts';

/** A stable 64-bit span id for a request's engine span (16 hex digits). */
function spanIdFor(requestId: string): string {
  const [low, high] = requestKeyHalves(`llm_request/${requestId}`);
  return high.toString(16).padStart(8, '0') + low.toString(16).padStart(8, '0');
}

const SPAN_KIND_INTERNAL = 1;
const SPAN_KIND_SERVER = 2;

const seconds = (us: number): number => us / 1e6;

/**
 * The span vLLM exports for a finished request (engines.md §2.3): `llm_request`, SERVER, scope
 * `vllm.llm_engine`, parent from the incoming traceparent, no children. Requests that never
 * produced a token export nothing, as in vLLM.
 */
export function vllmRequestTrace(
  done: FinishedSequence,
  serviceName: string,
  pod?: { name: string; namespace: string },
): OtlpResourceSpans | null {
  if (done.firstTokenUs < 0) return null;
  const spec = done.spec;
  const span: OtlpSpan = {
    traceId: spec.traceId,
    spanId: spanIdFor(spec.requestId),
    ...(spec.parentSpanId ? { parentSpanId: spec.parentSpanId } : {}),
    name: 'llm_request',
    kind: SPAN_KIND_SERVER,
    startTimeUnixNano: ns(spec.arrivalUs),
    // The output processor handles the final output slightly after the e2e end.
    endTimeUnixNano: ns(done.finishedUs + 150),
    attributes: [
      int('gen_ai.usage.prompt_tokens', spec.promptTokens),
      int('gen_ai.usage.completion_tokens', done.generated),
      str('gen_ai.request.id', spec.requestId),
      dbl('gen_ai.request.top_p', 0.95),
      int('gen_ai.request.max_tokens', spec.maxTokens),
      dbl('gen_ai.request.temperature', 0.7),
      int('gen_ai.request.n', 1),
      dbl(
        'gen_ai.latency.time_to_first_token',
        seconds(done.firstTokenUs + OUTPUT_PROCESSING_US - spec.arrivalUs),
      ),
      dbl('gen_ai.latency.e2e', seconds(done.finishedUs - spec.arrivalUs)),
      dbl('gen_ai.latency.time_in_queue', seconds(done.firstScheduledUs - done.queuedUs)),
      dbl('gen_ai.latency.time_in_model_prefill', seconds(done.firstTokenUs - done.firstScheduledUs)),
      dbl('gen_ai.latency.time_in_model_decode', seconds(done.lastTokenUs - done.firstTokenUs)),
      dbl('gen_ai.latency.time_in_model_inference', seconds(done.lastTokenUs - done.firstScheduledUs)),
    ],
    status: {},
  };
  return {
    resource: {
      attributes: [
        str('service.name', serviceName),
        str('telemetry.sdk.language', 'python'),
        str('telemetry.sdk.name', 'opentelemetry'),
        ...(pod ? [str('k8s.pod.name', pod.name), str('k8s.namespace.name', pod.namespace)] : []),
      ],
    },
    scopeSpans: [{ scope: { name: 'vllm.llm_engine' }, spans: [span] }],
  };
}

const SPAN_KIND_CLIENT = 3;
/** The calling app's side of the hop to the engine: client overhead and network, each way. */
const CLIENT_HOP_US = 600;

/**
 * The span of the application that sent the request, as an OpenTelemetry GenAI instrumentation of
 * its OpenAI client exports it: `chat {model}`, CLIENT, from the app's own service (the tenant) and
 * namespace (its team), the parent of the engine's span. Null for requests no traced app sent
 * (those that came over HTTP, e.g. through the gateway).
 */
export function clientCallTrace(done: FinishedSequence, servedModel: string): OtlpResourceSpans | null {
  const spec = done.spec;
  if (!spec.callerTraced || !spec.parentSpanId) return null;
  const failed = done.finishReason === 'error' || done.finishReason === 'abort';
  const span: OtlpSpan = {
    traceId: spec.traceId,
    spanId: spec.parentSpanId,
    name: `chat ${servedModel}`,
    kind: SPAN_KIND_CLIENT,
    startTimeUnixNano: ns(spec.arrivalUs - CLIENT_HOP_US),
    endTimeUnixNano: ns(done.finishedUs + CLIENT_HOP_US),
    attributes: [
      str('gen_ai.operation.name', 'chat'),
      str('gen_ai.provider.name', 'openai'),
      str('gen_ai.request.model', servedModel),
      int('gen_ai.request.max_tokens', spec.maxTokens),
      int('gen_ai.usage.input_tokens', spec.promptTokens),
      int('gen_ai.usage.output_tokens', done.generated),
    ],
    status: failed ? { code: 2 } : {},
  };
  return {
    resource: {
      attributes: [
        str('service.name', spec.tenant),
        str('k8s.namespace.name', spec.team),
        str('telemetry.sdk.language', 'python'),
      ],
    },
    scopeSpans: [{ scope: { name: 'opentelemetry.instrumentation.openai_v2' }, spans: [span] }],
  };
}

/**
 * SGLang's trace of a request (engines.md §3.4): a root `" Req <rid>"` span whose
 * `time_in_model_prefill` includes the scheduler queue, a thread span per process, and stage
 * slices under them, each linked to the previous slice.
 */
export function sglangRequestTrace(
  done: FinishedSequence,
  random: Random,
  pod?: { name: string; namespace: string },
): OtlpResourceSpans[] {
  if (done.firstTokenUs < 0) return [];
  const spec = done.spec;
  const traceId = spec.traceId;
  const rid = spec.requestId.replace(/^chatcmpl-/, '');
  const rootId = random.hex(16);
  const dispatchDoneUs = done.queuedUs;
  const host = 'host:3f2a9c1e';
  const resourceAttributes = [
    str('service.name', 'sglang'),
    ...(pod ? [str('k8s.pod.name', pod.name), str('k8s.namespace.name', pod.namespace)] : []),
  ];
  const root: OtlpSpan = {
    traceId,
    spanId: rootId,
    ...(spec.parentSpanId ? { parentSpanId: spec.parentSpanId } : {}),
    name: ` Req ${rid.slice(0, 8)}`,
    kind: SPAN_KIND_SERVER,
    startTimeUnixNano: ns(spec.arrivalUs),
    endTimeUnixNano: ns(done.finishedUs),
    attributes: [
      str('rid', rid),
      str('module', 'sglang::request'),
      dbl(
        'gen_ai.latency.time_to_first_token',
        seconds(done.firstTokenUs + OUTPUT_PROCESSING_US - spec.arrivalUs),
      ),
      dbl('gen_ai.latency.e2e', seconds(done.finishedUs - spec.arrivalUs)),
      dbl('gen_ai.latency.time_in_model_decode', seconds(done.finishedUs - done.firstTokenUs)),
      dbl('gen_ai.latency.time_in_model_inference', seconds(done.finishedUs - dispatchDoneUs)),
      // SGLang's prefill time runs from dispatch, so it includes the queue (engines.md §13.1).
      dbl('gen_ai.latency.time_in_model_prefill', seconds(done.firstTokenUs - dispatchDoneUs)),
    ],
    status: {},
  };
  const slice = (
    parent: OtlpSpan,
    name: string,
    startUs: number,
    endUs: number,
    previous?: OtlpSpan,
    attributes: OtlpAttribute[] = [],
  ): OtlpSpan => ({
    traceId,
    spanId: random.hex(16),
    parentSpanId: parent.spanId,
    name,
    kind: SPAN_KIND_INTERNAL,
    startTimeUnixNano: ns(startUs),
    endTimeUnixNano: ns(endUs),
    attributes,
    ...(previous ? { links: [{ traceId, spanId: previous.spanId }] } : {}),
    status: {},
  });
  const tokenizerThread: OtlpSpan = {
    ...slice(root, `Tokenizer (${host} | pid:4107)`, spec.arrivalUs, dispatchDoneUs),
    attributes: [str('host_id', '3f2a9c1e'), int('pid', 4107), str('thread_label', 'Tokenizer')],
  };
  const tokenize = slice(tokenizerThread, 'tokenize', spec.arrivalUs, dispatchDoneUs - 20);
  const dispatch = slice(tokenizerThread, 'dispatch', dispatchDoneUs - 20, dispatchDoneUs, tokenize);
  const schedulerThread: OtlpSpan = {
    ...slice(root, `Scheduler [TP 0] (${host} | pid:4188)`, dispatchDoneUs, done.lastTokenUs),
    attributes: [
      int('tp_rank', 0),
      str('host_id', '3f2a9c1e'),
      int('pid', 4188),
      str('thread_label', 'Scheduler'),
    ],
  };
  // Receiving the request takes ~30 µs, but never past the moment it is first scheduled.
  const queuedAtUs = Math.min(dispatchDoneUs + 30, done.firstScheduledUs);
  const requestProcess = slice(schedulerThread, 'request_process', dispatchDoneUs, queuedAtUs);
  const waiting = slice(
    schedulerThread,
    'prefill_waiting',
    queuedAtUs,
    done.firstScheduledUs,
    requestProcess,
  );
  const prefill = slice(
    schedulerThread,
    'prefill_forward',
    done.firstScheduledUs,
    done.firstTokenUs,
    waiting,
  );
  prefill.events = [{ timeUnixNano: ns(done.firstScheduledUs), name: 'schedule', attributes: [] }];
  const decode = slice(schedulerThread, 'decode_forward', done.firstTokenUs, done.lastTokenUs, prefill, [
    int('decode_ct', done.generated - 1),
  ]);
  return [
    {
      resource: { attributes: resourceAttributes },
      scopeSpans: [{ scope: { name: 'sglang server' }, spans: [root, tokenizerThread, tokenize, dispatch] }],
    },
    {
      resource: { attributes: resourceAttributes },
      scopeSpans: [
        {
          scope: { name: 'sglang server' },
          spans: [schedulerThread, requestProcess, waiting, prefill, decode],
        },
      ],
    },
  ];
}
