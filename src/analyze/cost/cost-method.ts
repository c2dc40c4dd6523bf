/**
 * Which method priced a request, recorded on it as the attribute `kb.cost` so that every figure
 * says how it was made (docs/cost.md).
 */
export const COST_METHOD_ATTRIBUTE = 'kb.cost';
/** Shared step by step among the batch by the work done (the simulator, step-attribution.ts). */
export const STEP_ATTRIBUTED = 'attributed:step';
/** Estimated from the request's busy time and the replica's batch size (time-share-estimate.ts). */
export const TIME_SHARE_ESTIMATE = 'estimated:time-share';
/** On a prefill span: USD its cached prompt tokens saved (not part of the span's cost). */
export const CACHE_SAVINGS_ATTRIBUTE = 'kb.cache_savings_usd';
