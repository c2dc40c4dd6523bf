/**
 * The FOCUS 1.2 column rules a dataset must meet, taken from the specification's own column and
 * attribute definitions (FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec, tag v1.2:
 * `specification/columns/*.md`, `specification/attributes/*.md`): the 21 mandatory columns, their
 * data types and nullability, allowed values, and the cross-column rules this export touches.
 * Returns every violation as a line naming the row and column.
 */
type DataType = 'Decimal' | 'String' | 'DateTime';

const MANDATORY: Record<string, { type: DataType; nullable: boolean }> = {
  BilledCost: { type: 'Decimal', nullable: false },
  BillingAccountId: { type: 'String', nullable: false },
  BillingAccountName: { type: 'String', nullable: true },
  BillingCurrency: { type: 'String', nullable: false },
  BillingPeriodEnd: { type: 'DateTime', nullable: false },
  BillingPeriodStart: { type: 'DateTime', nullable: false },
  ChargeCategory: { type: 'String', nullable: false },
  ChargeClass: { type: 'String', nullable: true },
  ChargeDescription: { type: 'String', nullable: true },
  ChargePeriodEnd: { type: 'DateTime', nullable: false },
  ChargePeriodStart: { type: 'DateTime', nullable: false },
  ContractedCost: { type: 'Decimal', nullable: false },
  EffectiveCost: { type: 'Decimal', nullable: false },
  InvoiceIssuerName: { type: 'String', nullable: false },
  ListCost: { type: 'Decimal', nullable: false },
  PricingQuantity: { type: 'Decimal', nullable: true },
  PricingUnit: { type: 'String', nullable: true },
  ProviderName: { type: 'String', nullable: false },
  PublisherName: { type: 'String', nullable: false },
  ServiceCategory: { type: 'String', nullable: false },
  ServiceName: { type: 'String', nullable: false },
};

const ALLOWED: Record<string, readonly string[]> = {
  ChargeCategory: ['Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment'],
  ChargeClass: ['Correction'],
  ServiceCategory: [
    'AI and Machine Learning',
    'Analytics',
    'Business Applications',
    'Compute',
    'Databases',
    'Developer Tools',
    'Multicloud',
    'Identity',
    'Integration',
    'Internet of Things',
    'Management and Governance',
    'Media',
    'Migration',
    'Mobile',
    'Networking',
    'Security',
    'Storage',
    'Web',
    'Other',
  ],
};

/** Numeric Format: an integer, a decimal or E notation; no sign for positives, no separators. */
const NUMERIC = /^-?\d+(\.\d+)?(E-?\d+)?$/;
/** Date/Time Format: extended ISO 8601 in UTC, whole seconds. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
/** Currency Format for a national currency: ISO 4217's three letters. */
const CURRENCY = /^[A-Z]{3}$/;
/** Unit Format's shapes: "Tokens", "GB-Hours", "GB/Hour", "1000 Tokens". */
const UNIT = /^(\d+ )?[A-Z][A-Za-z]*(-[A-Z][a-z]+|\/[A-Z][a-z]+)?$/;

export const FOCUS_1_2_MANDATORY_COLUMNS = Object.keys(MANDATORY);

export function focusViolations(
  header: readonly string[],
  rows: readonly Record<string, string>[],
): string[] {
  const out: string[] = [];
  for (const column of FOCUS_1_2_MANDATORY_COLUMNS)
    if (!header.includes(column)) out.push(`missing mandatory column ${column}`);
  const known = new Set([...FOCUS_1_2_MANDATORY_COLUMNS, 'ConsumedQuantity', 'ConsumedUnit', 'Tags']);
  for (const column of header)
    if (!known.has(column) && !column.startsWith('x_'))
      out.push(`custom column ${column} lacks the x_ prefix`);
  rows.forEach((row, i) => out.push(...rowViolations(row).map((v) => `row ${i + 1}: ${v}`)));
  return out;
}

function rowViolations(row: Record<string, string>): string[] {
  const out: string[] = [];
  const isNull = (column: string) => (row[column] ?? '') === '';
  for (const [column, rule] of Object.entries(MANDATORY)) {
    const value = row[column] ?? '';
    if (value === '') {
      if (!rule.nullable) out.push(`${column} is null`);
      continue;
    }
    if (rule.type === 'Decimal' && !NUMERIC.test(value)) out.push(`${column} "${value}" is not a decimal`);
    if (rule.type === 'DateTime' && !DATE_TIME.test(value))
      out.push(`${column} "${value}" is not YYYY-MM-DDTHH:mm:ssZ`);
    const allowed = ALLOWED[column];
    if (allowed && !allowed.includes(value)) out.push(`${column} "${value}" is not an allowed value`);
  }
  if (!CURRENCY.test(row.BillingCurrency ?? '')) out.push(`BillingCurrency "${row.BillingCurrency}"`);
  if (isNull('PricingUnit') !== isNull('PricingQuantity'))
    out.push('PricingUnit and PricingQuantity differ in nullness');
  if (!isNull('PricingUnit') && !UNIT.test(row.PricingUnit!))
    out.push(`PricingUnit "${row.PricingUnit}" breaks Unit Format`);
  const usageOrPurchase = row.ChargeCategory === 'Usage' || row.ChargeCategory === 'Purchase';
  if (usageOrPurchase && row.ChargeClass !== 'Correction' && isNull('PricingQuantity'))
    out.push('PricingQuantity is null on a Usage row');
  if (row.ChargeCategory === 'Tax' && !isNull('PricingQuantity')) out.push('PricingQuantity on a Tax row');
  const time = (column: string) => Date.parse(row[column] ?? '');
  if (!(time('ChargePeriodStart') < time('ChargePeriodEnd'))) out.push('charge period is empty or reversed');
  if (
    time('ChargePeriodStart') < time('BillingPeriodStart') ||
    time('ChargePeriodEnd') > time('BillingPeriodEnd')
  )
    out.push('charge period outside its billing period');
  return out;
}
