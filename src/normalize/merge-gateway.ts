import type { InferenceRequest } from '../model/request.ts';
import type { Span } from '../model/span.ts';
import { DERIVED_PHASES_ATTRIBUTE, withDerivedPhases } from './decompose.ts';

export interface RequestRecord {
  request: InferenceRequest;
  spans: readonly Span[];
}

/**
 * One request seen twice — by the gateway and by the engine, under the same trace id — as one:
 * the engine's phases, placement, cost and exact cached tokens; the gateway's tenant and team,
 * client-perceived times (arrival, TTFT, visible TTFT, end-to-end), retries, prompt family and
 * status when the client saw a failure. Both span sets are kept (engine phases made explicit, as
 * they would otherwise be rebuilt from an arrival that is now the gateway's). The engine's own
 * TTFT and end-to-end time are kept as attributes.
 */
export function mergeGatewayAndEngine(gateway: RequestRecord, engine: RequestRecord): RequestRecord {
  const g = gateway.request;
  const e = engine.request;
  const engineSpans = withDerivedPhases(e, [...engine.spans]);
  const attributes: Record<string, string> = { ...e.attributes, ...g.attributes, source: 'gateway+engine' };
  delete attributes[DERIVED_PHASES_ATTRIBUTE];
  attributes['gateway.request_id'] = g.requestId;
  if (e.ttftUs !== null) attributes['engine.ttft_us'] = String(e.ttftUs);
  if (e.e2eUs !== null) attributes['engine.e2e_us'] = String(e.e2eUs);
  const request: InferenceRequest = {
    ...e,
    tenant: g.tenant !== 'unknown' ? g.tenant : e.tenant,
    team: g.team !== 'unknown' ? g.team : e.team,
    arrivalUs: g.arrivalUs,
    gatewayInUs: g.gatewayInUs,
    gatewayOutUs: g.gatewayOutUs,
    firstTokenUs: g.firstTokenUs ?? e.firstTokenUs,
    finishedUs: g.finishedUs ?? e.finishedUs,
    ttftUs: g.ttftUs ?? e.ttftUs,
    ttftVisibleUs: g.ttftVisibleUs ?? e.ttftVisibleUs,
    e2eUs: g.e2eUs ?? e.e2eUs,
    promptTokens: e.promptTokens || g.promptTokens,
    outputTokens: e.outputTokens || g.outputTokens,
    cachedPromptTokens: e.cachedPromptTokens || g.cachedPromptTokens,
    reasoningTokens: e.reasoningTokens || g.reasoningTokens,
    status: g.status !== 'ok' ? g.status : e.status,
    errorClass: g.status !== 'ok' ? g.errorClass : e.errorClass,
    retries: Math.max(e.retries, g.retries),
    promptFamily: g.promptFamily ?? e.promptFamily,
    attributes,
  };
  const spans = [...gateway.spans, ...engineSpans].map((s) => ({ ...s, requestId: request.requestId }));
  return { request, spans };
}
