import type { Engine } from './engine.ts';

export const REQUEST_STATUSES = ['ok', 'error', 'timeout', 'cancelled', 'rejected'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/**
 * One inference request, normalized from whatever engine or gateway saw it.
 *
 * Times are epoch microseconds (UTC); durations are microseconds. Engines measure phases on
 * different clocks (engines.md §13.9), so phase durations are stored as measured rather than
 * derived from the absolute timestamps, which may come from another clock.
 */
export interface InferenceRequest {
  requestId: string;
  /** W3C trace id, 32 lowercase hex digits; null when no trace context was seen. */
  traceId: string | null;

  /** Who called (the API key's tenant). */
  tenant: string;
  /** Who pays (chargeback unit); often equal to the tenant. */
  team: string;
  cluster: string;
  namespace: string;
  workload: string;
  model: string;
  engine: Engine;
  /** Serving replica (pod name). */
  replica: string;
  node: string;
  gpuType: string;
  gpuCount: number;

  arrivalUs: number;
  gatewayInUs: number | null;
  gatewayOutUs: number | null;
  scheduledUs: number | null;
  firstTokenUs: number | null;
  finishedUs: number | null;

  /** Arrival → first token (engine definition varies, engines.md §13.2). */
  ttftUs: number | null;
  /**
   * Arrival → first token the user sees, after hidden reasoning tokens (reasoning models); equals
   * ttftUs without reasoning; null when unknown (engines do not report it, the gateway sees it).
   */
  ttftVisibleUs: number | null;
  /** Arrival → finish. */
  e2eUs: number | null;
  queueUs: number | null;
  prefillUs: number | null;
  decodeUs: number | null;
  /** Mean time per output token after the first: decode / (output tokens − 1). */
  tpotUs: number | null;

  promptTokens: number;
  cachedPromptTokens: number;
  outputTokens: number;
  /** Hidden reasoning tokens (part of outputTokens for reasoning models). */
  reasoningTokens: number;

  status: RequestStatus;
  /** Error class when status is not ok (e.g. `overloaded`, `validation`, `abort`); null when ok. */
  errorClass: string | null;
  retries: number;
  preemptions: number;

  /** Hash of the prompt's leading KV blocks: groups prompts that share a prefix without storing text. */
  promptFamily: string | null;
  /** Filled by the cost model; null until priced. */
  costUsd: number | null;
  /**
   * What computing the cached prompt tokens would have cost (prefix-cache hit savings, USD);
   * null when there was no hit or it could not be priced. Not part of costUsd.
   */
  cacheSavingsUsd: number | null;
  /** Free-form extra attributes (bounded by the collector). */
  attributes: Record<string, string>;
}

/** Builds a request with neutral defaults; tests and adapters override what they know. */
export function makeRequest(
  fields: Pick<InferenceRequest, 'requestId' | 'arrivalUs'> & Partial<InferenceRequest>,
) {
  const request: InferenceRequest = {
    traceId: null,
    tenant: 'unknown',
    team: 'unknown',
    cluster: 'default',
    namespace: 'default',
    workload: 'unknown',
    model: 'unknown',
    engine: 'other',
    replica: 'unknown',
    node: 'unknown',
    gpuType: 'unknown',
    gpuCount: 1,
    gatewayInUs: null,
    gatewayOutUs: null,
    scheduledUs: null,
    firstTokenUs: null,
    finishedUs: null,
    ttftUs: null,
    ttftVisibleUs: null,
    e2eUs: null,
    queueUs: null,
    prefillUs: null,
    decodeUs: null,
    tpotUs: null,
    promptTokens: 0,
    cachedPromptTokens: 0,
    outputTokens: 0,
    reasoningTokens: 0,
    status: 'ok',
    errorClass: null,
    retries: 0,
    preemptions: 0,
    promptFamily: null,
    costUsd: null,
    cacheSavingsUsd: null,
    attributes: {},
    ...fields,
  };
  return request;
}
