import type { SloConfig } from '../../config/schema.ts';
import type { RequestStatus } from '../../model/request.ts';
import { parseDurationMs } from '../../util/time.ts';

/** A TTFT band: prompts of (previous band's max, maxPromptTokens] tokens; the last is open. */
export interface TtftBand {
  /** Label-safe name, e.g. `0-1000`, `1001-8000`, `8001+`. */
  name: string;
  minPromptTokens: number;
  maxPromptTokens: number | null;
  thresholdUs: number;
}

export type Sli =
  | { kind: 'ttft'; bands: TtftBand[]; visibleToken: boolean }
  | { kind: 'tpot'; thresholdUs: number }
  | { kind: 'availability'; errorStatuses: readonly RequestStatus[] };

/**
 * One multi-window burn-rate alert (Google SRE Workbook): fires when both the long and the short
 * window burn faster than `burnRate`, the rate that spends `budgetConsumed` of the budget in the
 * long window: burnRate = budgetConsumed × SLO window ÷ long window.
 */
export interface BurnRateAlert {
  name: string;
  severity: 'page' | 'ticket';
  longUs: number;
  shortUs: number;
  budgetConsumed: number;
  burnRate: number;
}

export interface SloSpec {
  name: string;
  description: string | null;
  selector: { model?: string; team?: string; workload?: string; cluster?: string };
  objective: number;
  windowUs: number;
  tokenWeighted: boolean;
  sli: Sli;
  alerts: BurnRateAlert[];
  forUs: number;
  keepFiringForUs: number;
  notify: string[];
}

const MINUTE_US = 60e6;
const HOUR_US = 60 * MINUTE_US;
const DAY_US = 24 * HOUR_US;

/**
 * The SRE Workbook's set, expressed as budget consumed so it scales to any SLO window (for 30 days
 * it gives the familiar 14.4, 6, 3 and 1; for 28 days 13.44, 5.6, 2.8 and 0.93). The 1 d / 2 h
 * ticket is Sloth's addition.
 */
const ALERT_SET = [
  { name: 'page-1h', severity: 'page', longUs: HOUR_US, shortUs: 5 * MINUTE_US, budgetConsumed: 0.02 },
  { name: 'page-6h', severity: 'page', longUs: 6 * HOUR_US, shortUs: 30 * MINUTE_US, budgetConsumed: 0.05 },
  { name: 'ticket-1d', severity: 'ticket', longUs: DAY_US, shortUs: 2 * HOUR_US, budgetConsumed: 0.1 },
  { name: 'ticket-3d', severity: 'ticket', longUs: 3 * DAY_US, shortUs: 6 * HOUR_US, budgetConsumed: 0.1 },
] as const;

export function burnRateAlerts(
  windowUs: number,
  severities: { page: boolean; ticket: boolean },
): BurnRateAlert[] {
  return ALERT_SET.filter((a) => severities[a.severity]).map((a) => ({
    ...a,
    burnRate: (a.budgetConsumed * windowUs) / a.longUs,
  }));
}

const usOf = (duration: string) => parseDurationMs(duration) * 1000;

function ttftBands(config: NonNullable<SloConfig['ttft']>): TtftBand[] {
  let min = 0;
  return config.bands.map((band) => {
    const max = band.max_prompt_tokens ?? null;
    const name = max === null ? `${min}+` : `${min}-${max}`;
    const result = { name, minPromptTokens: min, maxPromptTokens: max, thresholdUs: usOf(band.threshold) };
    min = (max ?? min) + 1;
    return result;
  });
}

function sliOf(config: SloConfig): Sli {
  if (config.ttft)
    return { kind: 'ttft', bands: ttftBands(config.ttft), visibleToken: config.ttft.visible_token };
  if (config.tpot) return { kind: 'tpot', thresholdUs: usOf(config.tpot.threshold) };
  if (config.availability)
    return { kind: 'availability', errorStatuses: config.availability.count_as_errors };
  throw new Error(`SLO ${config.name} has no SLI`); // the config schema already refuses this
}

export function sloSpec(config: SloConfig): SloSpec {
  const windowUs = usOf(config.window);
  const selector = Object.fromEntries(Object.entries(config.selector).filter(([, v]) => v !== undefined));
  return {
    name: config.name,
    description: config.description ?? null,
    selector,
    objective: config.objective,
    windowUs,
    tokenWeighted: config.token_weighted,
    sli: sliOf(config),
    alerts: burnRateAlerts(windowUs, config.alerting),
    forUs: usOf(config.alerting.for),
    keepFiringForUs: usOf(config.alerting.keep_firing_for),
    notify: config.alerting.notify,
  };
}

/** The longest window any of the SLO's alerts looks at. */
export function longestAlertWindowUs(spec: SloSpec): number {
  return Math.max(0, ...spec.alerts.map((a) => a.longUs));
}

/** Every window the SLO's alerts look at (long and short), shortest first, each once. */
export function alertWindowsUs(spec: SloSpec): number[] {
  return [...new Set(spec.alerts.flatMap((a) => [a.shortUs, a.longUs]))].sort((a, b) => a - b);
}
