/**
 * Which method priced a request, recorded on it as the attribute `kb.cost` so that every figure
 * says how it was made (docs/cost.md).
 */
export const COST_METHOD_ATTRIBUTE = 'kb.cost';
/** Shared step by step among the batch by the work done (the simulator, step-attribution.ts). */
export const STEP_ATTRIBUTED = 'attributed:step';
/**
 * The cost ledger's share of its replica (ledger/): a slot's worth of each scrape interval it was
 * busy in; `ledger:late` when some came from intervals settled before the request was known.
 */
export const LEDGER_PRICED = 'ledger';
export const LEDGER_PRICED_LATE = 'ledger:late';
/** On a prefill span: USD its cached prompt tokens saved (not part of the span's cost). */
export const CACHE_SAVINGS_ATTRIBUTE = 'kb.cache_savings_usd';
