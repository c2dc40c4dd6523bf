import { stringify } from 'csv-stringify/sync';
import type { ChargebackReport, ChargebackRow } from './chargeback.ts';

/**
 * Chargeback rows as CSV for finance. Column names follow the FinOps FOCUS specification where a
 * FOCUS column means the same thing (charge period, billed/effective cost, currency, consumed
 * quantity and unit, tags); our own columns carry the `x_` prefix FOCUS reserves for extensions.
 * This is a FOCUS-aligned export of internal showback, not a provider's FOCUS billing dataset.
 * BilledCost is the row's cost in the report's basis: usage, or usage + idle share (allocation).
 */
export function chargebackCsv(report: ChargebackReport): string {
  const dimensionColumns = report.by.map((d) => `x_${capitalise(d)}`);
  const header = [
    'ChargePeriodStart',
    'ChargePeriodEnd',
    'ChargeCategory',
    'ChargeDescription',
    'BillingCurrency',
    'BilledCost',
    'EffectiveCost',
    'ConsumedQuantity',
    'ConsumedUnit',
    'ServiceCategory',
    'ServiceName',
    'Tags',
    ...dimensionColumns,
    'x_CostKind',
    'x_CostBasis',
    'x_NodePool',
    'x_UsageCost',
    'x_IdleShareCost',
    'x_CacheSavings',
    'x_Requests',
    'x_UnpricedRequests',
    'x_PromptTokens',
    'x_CachedPromptTokens',
    'x_OutputTokens',
    'x_UsdPer1kTokens',
  ];
  const records = report.rows.map((row) => [
    isoUtc(row.periodStartUs),
    isoUtc(row.periodEndUs),
    'Usage',
    chargeDescription(row, report),
    'USD',
    money(row.costUsd + row.idleShareUsd),
    money(row.costUsd + row.idleShareUsd),
    String(row.promptTokens + row.outputTokens),
    'Tokens',
    'AI and Machine Learning',
    'LLM inference (KubeBurner)',
    JSON.stringify(Object.fromEntries(report.by.map((d) => [`kubeburner/${d}`, row.group[d] ?? '']))),
    ...report.by.map((d) => row.group[d] ?? ''),
    row.kind,
    report.basis,
    row.nodePool ?? '',
    money(row.kind === 'usage' ? row.costUsd : 0),
    money(row.idleShareUsd),
    money(row.cacheSavingsUsd),
    String(row.requests),
    String(row.unpricedRequests),
    String(row.promptTokens),
    String(row.cachedPromptTokens),
    String(row.outputTokens),
    row.usdPer1kTokens === null ? '' : row.usdPer1kTokens.toFixed(6),
  ]);
  return stringify([header, ...records], { record_delimiter: 'unix', cast: { string: inertCell } });
}

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[-+]?\d+(\.\d+)?(e[-+]?\d+)?$/i;

/**
 * A team, model or tenant name is whatever a config or a caller wrote; a spreadsheet would run
 * one that starts like a formula (`=HYPERLINK(…)`). Such cells get a leading apostrophe (OWASP's
 * advice for CSV injection); plain numbers stay numbers.
 */
export function inertCell(value: string): string {
  return FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
}

/** What a chargeback row charges for, in words (ChargeDescription). */
export function chargeDescription(row: ChargebackRow, report: ChargebackReport): string {
  const parts = report.by.map((d) => `${d}=${row.group[d] ?? ''}`);
  if (row.kind === 'idle')
    return `Idle GPU time (no request running), ${[...parts, `node_pool=${row.nodePool ?? ''}`].join(' ')}`;
  if (row.idleShareUsd > 0) return `GPU time for LLM inference with its share of idle, ${parts.join(' ')}`;
  return `GPU time for LLM inference, ${parts.join(' ')}`;
}

/** Cost to 1e-6 USD: finance sums many small rows, so cents would lose money in rounding. */
function money(usd: number): string {
  return usd.toFixed(6);
}

function isoUtc(us: number): string {
  return new Date(us / 1000).toISOString().replace('.000Z', 'Z');
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
