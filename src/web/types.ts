/**
 * The shapes of the API answers the pages read: the server's own types, imported as types only
 * (erased from the bundle), so a change to an answer fails the UI's typecheck instead of a page.
 */
import type { InferenceRequest } from '../model/request.ts';
import type { Span } from '../model/span.ts';
import type { OpsEvent } from '../model/ops-event.ts';
import type { Attribution } from '../analyze/attribution.ts';
import type { PeerMeans, RequestExplanation } from '../analyze/request-explanation.ts';
import type { AlertReport } from '../analyze/slo/alert-evidence.ts';
import type { RecommendationRecord } from '../analyze/recommend/decisions.ts';

export type { RecommendationRecord };

export type { AggregateRow, RequestDimension } from '../store/store.ts';
export type { Attribution } from '../analyze/attribution.ts';
export type { Evidence, RankedCause } from '../analyze/rca/compare-windows.ts';
export type { AlertReport } from '../analyze/slo/alert-evidence.ts';
export type { SloStatus } from '../analyze/slo/evaluator.ts';
export type { BandLatency } from '../analyze/slo/band-latency.ts';
export type { ChargebackDimension, ChargebackReport } from '../analyze/cost/chargeback.ts';
export type { LatencyCostPoint, WastedSpendSeries } from '../analyze/cost/latency-cost-series.ts';
export type { KvCacheReport } from '../analyze/kv-cache.ts';
export type { SchedulerReport } from '../analyze/scheduler.ts';
export type { GpuBreakdownReport, GpuBreakdownRow } from '../analyze/gpu-breakdown.ts';
export type { TpBalance } from '../serve/api-engine.ts';
export type { Incident } from '../serve/api-slo.ts';
export type { OverviewAnswer } from '../serve/api-overview.ts';
export type { TimeseriesPoint } from '../serve/api-requests.ts';

export type RequestRow = InferenceRequest;
export type SpanRow = Span;

/** /api/requests/{id}. */
export interface RequestDetail {
  request: InferenceRequest;
  spans: Span[];
  attribution: Attribution;
  explanation: RequestExplanation;
  typical: PeerMeans;
}

/** An alert transition as stored, with the report it fired with. */
export type AlertEvent = OpsEvent & { body: { report?: AlertReport | null } };

/** /api/recommendations/{id}: the record with a preview diff while it can still be applied. */
export type RecommendationDetail = RecommendationRecord & { preview?: { file: string; diff: string } | null };
