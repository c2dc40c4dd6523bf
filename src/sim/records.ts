import type { InferenceRequest, RequestStatus } from '../model/request.ts';
import type { Span, SpanKind } from '../model/span.ts';
import { OUTPUT_PROCESSING_US, type FinishedSequence } from './engine.ts';
import type { Random } from './random.ts';
import {
  CACHE_SAVINGS_ATTRIBUTE,
  COST_METHOD_ATTRIBUTE,
  STEP_ATTRIBUTED,
} from '../analyze/cost/cost-method.ts';

/** Where a replica runs, for the labels of its records. */
export interface Placement {
  replica: string;
  cluster: string;
  namespace: string;
  workload: string;
  node: string;
  model: string;
  engine: InferenceRequest['engine'];
  gpuType: string;
  gpuCount: number;
}

const STATUS: Record<FinishedSequence['finishReason'], RequestStatus> = {
  stop: 'ok',
  length: 'ok',
  abort: 'cancelled',
  error: 'error',
};

/**
 * The simulator's ground truth for a finished request, in the canonical model: the request and
 * spans that sum to its latency (frontend, queue, prefill, decode, output processing), with a
 * preemption wait nested inside the phase it interrupted. Collectors must reconstruct the same
 * from the engines' wire formats; tests compare the two.
 */
export function groundTruthRecord(
  done: FinishedSequence,
  placement: Placement,
  random: Random,
): { request: InferenceRequest; spans: Span[] } {
  const spec = done.spec;
  const scheduled = done.firstScheduledUs >= 0;
  const producedToken = done.firstTokenUs >= 0;
  const request: InferenceRequest = {
    requestId: spec.requestId,
    traceId: spec.traceId,
    tenant: spec.tenant,
    team: spec.team,
    cluster: placement.cluster,
    namespace: placement.namespace,
    workload: placement.workload,
    model: placement.model,
    engine: placement.engine,
    replica: placement.replica,
    node: placement.node,
    gpuType: placement.gpuType,
    gpuCount: placement.gpuCount,
    arrivalUs: spec.arrivalUs,
    gatewayInUs: null,
    gatewayOutUs: null,
    scheduledUs: scheduled ? done.firstScheduledUs : null,
    firstTokenUs: producedToken ? done.firstTokenUs + OUTPUT_PROCESSING_US : null,
    finishedUs: done.finishedUs,
    ttftUs: producedToken ? done.firstTokenUs + OUTPUT_PROCESSING_US - spec.arrivalUs : null,
    ttftVisibleUs:
      done.firstVisibleTokenUs >= 0 ? done.firstVisibleTokenUs + OUTPUT_PROCESSING_US - spec.arrivalUs : null,
    e2eUs: done.finishedUs - spec.arrivalUs,
    queueUs: scheduled ? done.firstScheduledUs - done.queuedUs : null,
    prefillUs: producedToken ? done.firstTokenUs - done.firstScheduledUs : null,
    decodeUs: producedToken ? done.lastTokenUs - done.firstTokenUs : null,
    tpotUs:
      done.generated > 1 ? Math.round((done.lastTokenUs - done.firstTokenUs) / (done.generated - 1)) : null,
    promptTokens: spec.promptTokens,
    cachedPromptTokens: done.cachedPromptTokens,
    outputTokens: done.generated,
    reasoningTokens: Math.min(spec.reasoningTokens, done.generated),
    status: STATUS[done.finishReason],
    errorClass:
      done.finishReason === 'error' ? 'engine_error' : done.finishReason === 'abort' ? 'abort' : null,
    retries: 0,
    preemptions: done.preemptions,
    promptFamily: spec.promptFamily,
    costUsd: done.cost.prefillUsd + done.cost.decodeUsd + done.cost.recomputeUsd,
    cacheSavingsUsd: done.cacheSavingsUsd,
    attributes: { 'sim.finish_reason': done.finishReason, [COST_METHOD_ATTRIBUTE]: STEP_ATTRIBUTED },
  };
  const spans: Span[] = [];
  // Compute is priced on the phases that used it; waiting and transport hold no GPU work ($0).
  const costOf: Partial<Record<SpanKind, number>> = {
    prefill: done.cost.prefillUsd,
    decode: done.cost.decodeUsd,
    preemption_wait: done.cost.recomputeUsd,
  };
  const add = (
    kind: SpanKind,
    name: string,
    startUs: number,
    endUs: number,
    parentSpanId: string | null,
    attributes: Record<string, string> = {},
  ) => {
    const span: Span = {
      traceId: spec.traceId,
      spanId: random.hex(16),
      parentSpanId,
      requestId: spec.requestId,
      kind,
      name,
      startUs,
      durationUs: Math.max(0, endUs - startUs),
      estimated: false,
      costUsd: costOf[kind] ?? 0,
      attributes,
    };
    spans.push(span);
    return span;
  };
  const parent = spec.parentSpanId;
  const queuedEnd = scheduled ? done.firstScheduledUs : done.finishedUs - OUTPUT_PROCESSING_US;
  add('network', 'engine frontend: tokenize and hand off', spec.arrivalUs, done.queuedUs, parent);
  add('queue', 'scheduler queue', done.queuedUs, Math.max(done.queuedUs, queuedEnd), parent);
  let interrupted: Span | null = null;
  if (producedToken) {
    interrupted = add('prefill', 'prefill', done.firstScheduledUs, done.firstTokenUs, parent, {
      cached_prompt_tokens: String(done.cachedPromptTokens),
      computed_prompt_tokens: String(spec.promptTokens - done.cachedPromptTokens),
      ...(done.cacheSavingsUsd !== null
        ? { [CACHE_SAVINGS_ATTRIBUTE]: done.cacheSavingsUsd.toFixed(9) }
        : {}),
    });
    if (done.generated > 1) {
      interrupted = add('decode', 'decode', done.firstTokenUs, done.lastTokenUs, parent, {
        output_tokens: String(done.generated),
      });
    }
    add('stream', 'detokenize and send', done.lastTokenUs, done.finishedUs, parent);
  } else if (scheduled) {
    interrupted = add('prefill', 'prefill (failed)', done.firstScheduledUs, done.finishedUs, parent);
  }
  if (done.preemptionWaitUs > 0 && interrupted) {
    // The engine reports only the total: place it at the end of the phase it lengthened.
    const end = interrupted.startUs + interrupted.durationUs;
    const wait = add(
      'preemption_wait',
      'preempted: waiting and recomputing',
      Math.max(interrupted.startUs, end - done.preemptionWaitUs),
      end,
      interrupted.spanId,
      {
        preemptions: String(done.preemptions),
      },
    );
    wait.estimated = true;
  }
  return { request, spans };
}
