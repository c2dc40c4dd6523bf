/**
 * What an engine says about one request's own timing in its answer, for engines that export no
 * traces: llama.cpp's `timings` object (final SSE chunk or JSON body) and TGI's timing headers on
 * non-streaming answers (engines.md §3, §4).
 */
export interface EngineTiming {
  source: 'llamacpp' | 'tgi';
  /** Time in the engine's queue as the engine measured it; null when it does not say (llama.cpp). */
  queueMs: number | null;
  prefillMs: number;
  decodeMs: number;
  /** True when the engine reports prefill and decode apart; false when they are split by estimate. */
  phasesMeasured: boolean;
  /** Prompt tokens computed (not from the cache); null when not reported. */
  promptTokens: number | null;
  cachedPromptTokens: number | null;
  /** Tokens generated, the first one included. */
  generatedTokens: number | null;
}

const MAX_MS = 7 * 24 * 3600e3;
const finiteMs = (v: unknown) =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 && v < MAX_MS ? v : null;
const count = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null);

/**
 * llama.cpp's `timings`: `prompt_ms` is the prompt's processing (prefill), `predicted_ms` the
 * generation after it, `prompt_n` the prompt tokens computed and `cache_n` those reused from the
 * slot's cache (engines.md §4.3).
 */
export function timingFromLlamacpp(payload: unknown): EngineTiming | null {
  const timings = (payload as { timings?: Record<string, unknown> } | null)?.timings;
  if (!timings || typeof timings !== 'object') return null;
  const prefillMs = finiteMs(timings.prompt_ms);
  const decodeMs = finiteMs(timings.predicted_ms);
  if (prefillMs === null || decodeMs === null) return null;
  return {
    source: 'llamacpp',
    queueMs: null,
    prefillMs,
    decodeMs,
    phasesMeasured: true,
    promptTokens: count(timings.prompt_n),
    cachedPromptTokens: count(timings.cache_n),
    generatedTokens: count(timings.predicted_n),
  };
}

type Headers = Record<string, string | string[] | undefined>;

function headerNumber(headers: Headers, name: string): number | null {
  const raw = headers[name];
  const text = Array.isArray(raw) ? raw[0] : raw;
  if (text === undefined || text.trim() === '') return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

/**
 * TGI's non-streaming answers carry `x-queue-time` and `x-inference-time` (ms, integers),
 * `x-time-per-token` (ms: inference ÷ generated tokens) and `x-prompt-tokens` /
 * `x-generated-tokens` (engines.md §3). Inference is prefill + decode together; the split takes
 * one token's time as the prefill (the first token comes out of the prefill step), so it is
 * marked estimated.
 */
export function timingFromTgiHeaders(headers: Headers): EngineTiming | null {
  const queueMs = finiteMs(headerNumber(headers, 'x-queue-time'));
  const inferenceMs = finiteMs(headerNumber(headers, 'x-inference-time'));
  if (queueMs === null || inferenceMs === null) return null;
  const perTokenMs = finiteMs(headerNumber(headers, 'x-time-per-token'));
  const prefillMs = Math.min(inferenceMs, perTokenMs ?? 0);
  return {
    source: 'tgi',
    queueMs,
    prefillMs,
    decodeMs: inferenceMs - prefillMs,
    phasesMeasured: false,
    promptTokens: count(headerNumber(headers, 'x-prompt-tokens')),
    cachedPromptTokens: null,
    generatedTokens: count(headerNumber(headers, 'x-generated-tokens')),
  };
}
