import { stringify } from 'csv-stringify/sync';
import type { ChargebackReport, ChargebackRow } from './chargeback.ts';
import { chargeDescription, inertCell } from './chargeback-csv.ts';

/** The FOCUS version this dataset follows (FinOps Foundation, ratified 2025-05-29). */
export const FOCUS_VERSION = '1.2';

/**
 * Who bills whom: FOCUS wants the account, the invoice issuer, the provider and the publisher on
 * every row. For internal chargeback these are the platform team's own names (config
 * `pricing.focus`), not the cloud's.
 */
export interface FocusIdentity {
  billingAccountId: string;
  billingAccountName: string;
  invoiceIssuerName: string;
  providerName: string;
  publisherName: string;
}

/** Internal chargeback's own names, until the config's `pricing.focus` says otherwise. */
export const DEFAULT_FOCUS_IDENTITY: FocusIdentity = {
  billingAccountId: 'kubeburner',
  billingAccountName: 'LLM inference chargeback',
  invoiceIssuerName: 'Internal LLM platform',
  providerName: 'Internal LLM platform',
  publisherName: 'Internal LLM platform',
};

/** The identity from the config's `pricing.focus`, each name it leaves out from the defaults. */
export function focusIdentity(focus: {
  billing_account_id?: string | undefined;
  billing_account_name?: string | undefined;
  invoice_issuer?: string | undefined;
  provider?: string | undefined;
  publisher?: string | undefined;
}): FocusIdentity {
  const d = DEFAULT_FOCUS_IDENTITY;
  return {
    billingAccountId: focus.billing_account_id ?? d.billingAccountId,
    billingAccountName: focus.billing_account_name ?? d.billingAccountName,
    invoiceIssuerName: focus.invoice_issuer ?? d.invoiceIssuerName,
    providerName: focus.provider ?? d.providerName,
    publisherName: focus.publisher ?? d.publisherName,
  };
}

/** FOCUS 1.2's 21 mandatory columns (`specification/columns/`, tag v1.2), in this order. */
export const FOCUS_MANDATORY_COLUMNS = [
  'BilledCost',
  'BillingAccountId',
  'BillingAccountName',
  'BillingCurrency',
  'BillingPeriodEnd',
  'BillingPeriodStart',
  'ChargeCategory',
  'ChargeClass',
  'ChargeDescription',
  'ChargePeriodEnd',
  'ChargePeriodStart',
  'ContractedCost',
  'EffectiveCost',
  'InvoiceIssuerName',
  'ListCost',
  'PricingQuantity',
  'PricingUnit',
  'ProviderName',
  'PublisherName',
  'ServiceCategory',
  'ServiceName',
] as const;

/** Conditional FOCUS columns we fill: what was consumed, and the chargeback dimensions as tags. */
const CONDITIONAL_COLUMNS = ['ConsumedQuantity', 'ConsumedUnit', 'Tags'] as const;

/** FOCUS Date/Time format: UTC, whole seconds, 'YYYY-MM-DDTHH:mm:ssZ'. */
export function focusDateTime(us: number): string {
  return `${new Date(Math.floor(us / 1e6) * 1000).toISOString().slice(0, 19)}Z`;
}

/** The calendar month (UTC) a charge period falls in: its billing period. */
function billingPeriod(row: ChargebackRow): [number, number] {
  const start = new Date(row.periodStartUs / 1000);
  const fromUs = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), 1) * 1000;
  const toUs = Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1) * 1000;
  if (row.periodEndUs > toUs)
    throw new RangeError(
      'a FOCUS charge period must fall within one billing month: use granularity day or month',
    );
  return [fromUs, toUs];
}

/**
 * What a row is priced in. A request's cost follows its tokens; idle GPU time is counted in
 * GPU-hours (FOCUS Unit Format: `<singular-unit>-<plural-time-units>`).
 */
function pricing(row: ChargebackRow): { quantity: number; unit: string } {
  return row.kind === 'idle'
    ? { quantity: row.idleGpuHours, unit: 'GPU-Hours' }
    : { quantity: row.promptTokens + row.outputTokens, unit: 'Tokens' };
}

/** Costs to 1e-6 USD: finance sums many small rows. Plain decimals, no exponent. */
const decimal = (x: number, digits: number) => x.toFixed(digits);

function focusRecord(row: ChargebackRow, report: ChargebackReport, who: FocusIdentity): string[] {
  const [billingFrom, billingTo] = billingPeriod(row);
  const cost = decimal(row.costUsd + row.idleShareUsd, 6);
  const { quantity, unit } = pricing(row);
  const tags = Object.fromEntries(report.by.map((d) => [`kubeburner/${d}`, row.group[d] ?? '']));
  const mandatory: Record<(typeof FOCUS_MANDATORY_COLUMNS)[number], string> = {
    BilledCost: cost,
    BillingAccountId: who.billingAccountId,
    BillingAccountName: who.billingAccountName,
    BillingCurrency: 'USD',
    BillingPeriodEnd: focusDateTime(billingTo),
    BillingPeriodStart: focusDateTime(billingFrom),
    ChargeCategory: 'Usage',
    ChargeClass: '', // null: no row corrects a previously invoiced period
    ChargeDescription: chargeDescription(row, report),
    ChargePeriodEnd: focusDateTime(row.periodEndUs),
    ChargePeriodStart: focusDateTime(row.periodStartUs),
    // One internal rate per GPU (the price book's): list, contracted and effective cost agree.
    ContractedCost: cost,
    EffectiveCost: cost,
    InvoiceIssuerName: who.invoiceIssuerName,
    ListCost: cost,
    PricingQuantity: decimal(quantity, 6),
    PricingUnit: unit,
    ProviderName: who.providerName,
    PublisherName: who.publisherName,
    ServiceCategory: 'AI and Machine Learning',
    ServiceName: 'LLM inference',
  };
  return [
    ...FOCUS_MANDATORY_COLUMNS.map((c) => mandatory[c]),
    decimal(quantity, 6),
    unit,
    JSON.stringify(tags),
    ...report.by.map((d) => row.group[d] ?? ''),
    row.kind,
    report.basis,
    row.nodePool ?? '',
    String(row.requests),
    FOCUS_VERSION,
  ];
}

/**
 * The chargeback as a FOCUS 1.2 dataset (CSV): all 21 mandatory columns, ConsumedQuantity/Unit
 * and Tags, then our own `x_` columns (the chargeback dimensions, the row's kind and basis, its
 * node pool, its request count, and the FOCUS version). Timestamps in whole seconds (UTC).
 * Usage rows are priced in tokens; idle rows in GPU-hours.
 */
export function focusDataset(report: ChargebackReport, who: FocusIdentity): string {
  const header = [
    ...FOCUS_MANDATORY_COLUMNS,
    ...CONDITIONAL_COLUMNS,
    ...report.by.map((d) => `x_${d.charAt(0).toUpperCase()}${d.slice(1)}`),
    'x_CostKind',
    'x_CostBasis',
    'x_NodePool',
    'x_Requests',
    'x_FocusVersion',
  ];
  const records = report.rows.map((row) => focusRecord(row, report, who));
  return stringify([header, ...records], { record_delimiter: 'unix', cast: { string: inertCell } });
}
