import type { InferenceRequest } from '../model/request.ts';
import { makeRequest } from '../model/request.ts';
import type { Span, SpanKind } from '../model/span.ts';
import type { Store, TimeRange } from '../store/store.ts';

/** Mean phase durations over a window, from histogram sums and counts (seconds). */
export interface PhaseMeans {
  requests: number;
  ttft?: number;
  e2e?: number;
  queue?: number;
  prefill?: number;
  decode?: number;
  inference?: number;
}

const PHASE_METRICS: [keyof Omit<PhaseMeans, 'requests'>, string][] = [
  ['ttft', 'gen_ai.server.time_to_first_token'],
  ['e2e', 'gen_ai.server.request.duration'],
  ['queue', 'llm.request.queue_time'],
  ['prefill', 'llm.request.prefill_time'],
  ['decode', 'llm.request.decode_time'],
  ['inference', 'llm.request.inference_time'],
];

/**
 * A replica's typical request over a window, for engines that export no per-request traces
 * (trtllm-serve, Triton, TGI): phases from the means of their latency histograms. Every span is
 * marked estimated; a mean hides the spread, so this explains "where time goes on average", not
 * one request. Phases the engine does not measure are left out rather than guessed.
 */
export function typicalRequest(
  means: PhaseMeans,
  context: {
    replica: string;
    model: string;
    cluster: string;
    engine: InferenceRequest['engine'];
    startUs: number;
  },
): { request: InferenceRequest; spans: Span[] } | null {
  if (means.requests <= 0 || means.e2e === undefined) return null;
  const us = (s: number | undefined) => (s === undefined ? undefined : Math.round(s * 1e6));
  const e2e = us(means.e2e) as number;
  const queue = us(means.queue);
  let prefill = us(means.prefill);
  let decode = us(means.decode);
  // TGI/Triton measure inference (prefill + decode) but not the split.
  const inference = us(means.inference);
  const ttft = us(means.ttft);
  if (
    prefill === undefined &&
    decode === undefined &&
    inference !== undefined &&
    ttft !== undefined &&
    queue !== undefined
  ) {
    prefill = Math.max(0, ttft - queue);
    decode = Math.max(0, inference - prefill);
  }
  const requestId = `estimated:${context.replica}:${context.startUs}`;
  const traceId = '0'.repeat(32);
  const request = makeRequest({
    requestId,
    arrivalUs: context.startUs,
    model: context.model,
    cluster: context.cluster,
    replica: context.replica,
    engine: context.engine,
    e2eUs: e2e,
    ttftUs: ttft ?? null,
    queueUs: queue ?? null,
    prefillUs: prefill ?? null,
    decodeUs: decode ?? null,
    attributes: { 'kb.estimated': 'true', 'kb.window_requests': String(Math.round(means.requests)) },
  });
  const spans: Span[] = [];
  let cursor = context.startUs;
  const add = (kind: SpanKind, name: string, durationUs: number | undefined) => {
    if (durationUs === undefined || durationUs <= 0) return;
    spans.push({
      traceId,
      spanId: (spans.length + 1).toString(16).padStart(16, '0'),
      parentSpanId: null,
      requestId,
      kind,
      name,
      startUs: cursor,
      durationUs,
      estimated: true,
      costUsd: null,
      attributes: {},
    });
    cursor += durationUs;
  };
  const frontend =
    ttft !== undefined && queue !== undefined && prefill !== undefined ? ttft - queue - prefill : undefined;
  add('network', 'frontend and transport (mean)', frontend);
  add('queue', 'scheduler queue (mean)', queue);
  add('prefill', 'prefill (mean)', prefill);
  add('decode', 'decode (mean)', decode);
  const accounted = cursor - context.startUs;
  add(
    'stream',
    'unaccounted: output processing and send (mean)',
    e2e - accounted > 0 ? e2e - accounted : undefined,
  );
  return { request, spans };
}

/** Means of the latency histograms of one replica over a range, from the stored increases. */
export async function phaseMeans(store: Store, replica: string, range: TimeRange): Promise<PhaseMeans> {
  const means: PhaseMeans = { requests: 0 };
  for (const [key, name] of PHASE_METRICS) {
    const read = async (stat: 'sum' | 'count') =>
      (
        await store.queryMetric({
          name,
          range,
          where: { replica: [replica] },
          labels: { stat },
          stepUs: Math.max(1, range.toUs - range.fromUs),
          aggregate: 'sum',
        })
      )[0]?.value ?? 0;
    const count = await read('count');
    if (count <= 0) continue;
    means[key] = (await read('sum')) / count;
    if (key === 'e2e') means.requests = count;
  }
  return means;
}
