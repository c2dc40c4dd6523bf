import type { InferenceRequest } from '../../src/model/request.ts';
import type { Span, SpanKind } from '../../src/model/span.ts';
import { logNormal, pick, seededRandom } from './random.ts';

export interface SyntheticOptions {
  seed: number;
  count: number;
  /** Arrivals spread evenly over [startUs, startUs + spanUs). */
  startUs: number;
  spanUs: number;
  /** First request index (lets a generator resume in batches). */
  offset?: number;
}

const MODELS = ['llama-3-8b', 'llama-3-70b', 'qwen2.5-32b', 'mixtral-8x7b'] as const;
const TEAMS = ['search', 'support-bot', 'ads', 'research', "o'brien \\ co"] as const;
const CLUSTERS = ['us-east-1', 'eu-west-4'] as const;
const GPU = {
  'llama-3-8b': ['L4', 1],
  'llama-3-70b': ['H100', 4],
  'qwen2.5-32b': ['H100', 2],
  'mixtral-8x7b': ['A100-80GB', 2],
} as const;

function hex(random: () => number, digits: number): string {
  let out = '';
  while (out.length < digits)
    out += Math.floor(random() * 0x100000000)
      .toString(16)
      .padStart(8, '0');
  return out.slice(0, digits);
}

/**
 * Plausible requests with their spans (queue, prefill, decode, and gateway/stream for most).
 * Not a simulator: values are drawn independently; the simulator (src/sim) models engines.
 */
export function* syntheticBatches(
  options: SyntheticOptions,
  batchSize: number,
): Generator<{ requests: InferenceRequest[]; spans: Span[] }> {
  const random = seededRandom(options.seed + (options.offset ?? 0));
  const first = options.offset ?? 0;
  let requests: InferenceRequest[] = [];
  let spans: Span[] = [];
  for (let i = first; i < first + options.count; i++) {
    const model = pick(random, MODELS);
    const [gpuType, gpuCount] = GPU[model];
    const team = pick(random, TEAMS);
    const arrivalUs = options.startUs + Math.floor((i - first) * (options.spanUs / options.count));
    const promptTokens = Math.max(1, Math.round(logNormal(random, 900, 1.1)));
    const cachedPromptTokens = random() < 0.6 ? Math.floor(promptTokens * random() * 0.9) : 0;
    const outputTokens = Math.max(1, Math.round(logNormal(random, 180, 0.9)));
    const gatewayUs = Math.round(200 + random() * 400);
    const queueUs = Math.round(logNormal(random, 20_000, 1.5));
    const prefillUs = Math.round(((promptTokens - cachedPromptTokens) * 80 + 8_000) * (0.8 + random() * 0.4));
    const tpotUs = Math.round(logNormal(random, 25_000, 0.3));
    const decodeUs = tpotUs * (outputTokens - 1);
    const streamUs = Math.round(300 + random() * 700);
    const roll = random();
    const status = roll < 0.02 ? 'error' : roll < 0.03 ? 'timeout' : roll < 0.04 ? 'cancelled' : 'ok';
    const ttftUs = gatewayUs + queueUs + prefillUs;
    const e2eUs = ttftUs + decodeUs + streamUs;
    const requestId = `chatcmpl-${hex(random, 24)}`;
    const traceId = hex(random, 32);
    const costUsd = Math.round((((e2eUs / 3.6e9) * gpuCount * 2.5) / 4) * 1e9) / 1e9;
    requests.push({
      requestId,
      traceId,
      tenant: team,
      team,
      cluster: pick(random, CLUSTERS),
      namespace: 'inference',
      workload: `${model}-serving`,
      model,
      engine: model === 'mixtral-8x7b' ? 'sglang' : 'vllm',
      replica: `${model}-${Math.floor(random() * 4)}`,
      node: `gpu-node-${Math.floor(random() * 6)}`,
      gpuType,
      gpuCount,
      arrivalUs,
      gatewayInUs: arrivalUs,
      gatewayOutUs: arrivalUs + gatewayUs,
      scheduledUs: arrivalUs + gatewayUs + queueUs,
      firstTokenUs: arrivalUs + ttftUs,
      finishedUs: arrivalUs + e2eUs,
      ttftUs,
      // Hidden reasoning tokens come out before the first visible one, one TPOT apart.
      ttftVisibleUs: model === 'qwen2.5-32b' ? ttftUs + Math.floor(outputTokens * 0.4) * tpotUs : ttftUs,
      e2eUs,
      queueUs,
      prefillUs,
      decodeUs,
      tpotUs: outputTokens > 1 ? tpotUs : null,
      promptTokens,
      cachedPromptTokens,
      outputTokens,
      reasoningTokens: model === 'qwen2.5-32b' ? Math.floor(outputTokens * 0.4) : 0,
      status,
      errorClass: status === 'ok' ? null : status === 'error' ? 'engine_error' : status,
      retries: random() < 0.05 ? 1 : 0,
      preemptions: random() < 0.03 ? 1 : 0,
      promptFamily: random() < 0.7 ? `pf-${Math.floor(random() * 20)}` : null,
      costUsd,
      // No extra draw from random(): existing seeds keep producing the same requests.
      cacheSavingsUsd:
        cachedPromptTokens > 0
          ? Math.round(((costUsd * cachedPromptTokens) / promptTokens) * 1e9) / 1e9
          : null,
      attributes: random() < 0.2 ? { 'gen_ai.request.temperature': '0.7', route: 'prefix-affinity' } : {},
    });
    const rootId = hex(random, 16);
    const phases: [SpanKind, number, number][] = [
      ['gateway', 0, gatewayUs],
      ['queue', gatewayUs, queueUs],
      ['prefill', gatewayUs + queueUs, prefillUs],
      ['decode', ttftUs, decodeUs],
      ['stream', ttftUs + decodeUs, streamUs],
    ];
    for (const [kind, offsetUs, durationUs] of phases) {
      spans.push({
        traceId,
        spanId: kind === 'gateway' ? rootId : hex(random, 16),
        parentSpanId: kind === 'gateway' ? null : rootId,
        requestId,
        kind,
        name: kind,
        startUs: arrivalUs + offsetUs,
        durationUs,
        estimated: kind === 'stream' && random() < 0.1,
        costUsd:
          kind === 'prefill' || kind === 'decode'
            ? Math.round(costUsd * (durationUs / e2eUs) * 1e9) / 1e9
            : 0,
        attributes:
          kind === 'prefill'
            ? {
                cached_prompt_tokens: String(cachedPromptTokens),
                computed_prompt_tokens: String(promptTokens - cachedPromptTokens),
              }
            : {},
      });
    }
    if (requests.length >= batchSize) {
      yield { requests, spans };
      requests = [];
      spans = [];
    }
  }
  if (requests.length > 0) yield { requests, spans };
}

export function syntheticData(options: SyntheticOptions): { requests: InferenceRequest[]; spans: Span[] } {
  const all = { requests: [] as InferenceRequest[], spans: [] as Span[] };
  for (const batch of syntheticBatches(options, options.count)) {
    all.requests.push(...batch.requests);
    all.spans.push(...batch.spans);
  }
  return all;
}

/**
 * Retention for stores that hold synthetic data at fixed dates: ClickHouse's TTL expires rows by
 * their own time, so the usual 15–30 days would drop the data as the calendar moves on.
 */
export const KEEP_TEST_DATA = { requestsDays: 3650, spansDays: 3650, metricsDays: 3650 } as const;
