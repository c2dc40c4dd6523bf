import { REQUEST_STATUSES, type InferenceRequest } from '../../model/request.ts';
import type {
  AggregateRow,
  Measure,
  MeasureFilter,
  RequestDimension,
  RequestFilter,
} from '../../store/store.ts';
import type { SloSpec } from './spec.ts';

/**
 * What counts as an event of an SLO and whether it was good, defined once and used two ways: as
 * store measures (evaluation over stored requests) and as a function of one request (the exported
 * `kubeburner_slo_events_total` counters behind the generated Prometheus rules). A test holds the
 * two to the same counts.
 *  - ttft: successful requests that produced a token, per prompt-length band; good when the TTFT
 *    (to the first visible token for reasoning SLOs) is within the band's threshold;
 *  - tpot: successful requests with more than one output token; good within the threshold;
 *  - availability: every request; bad when its status is one the SLO counts as an error.
 * Each event weighs 1, or its prompt + output tokens when the SLO is token-weighted.
 */
export interface SloBandEvents {
  band: string;
  good: number;
  total: number;
}

interface BandFilter {
  band: string;
  total: MeasureFilter;
  good: MeasureFilter;
}

function bandFilters(spec: SloSpec): BandFilter[] {
  const sli = spec.sli;
  if (sli.kind === 'availability') {
    const good = REQUEST_STATUSES.filter((s) => !sli.errorStatuses.includes(s));
    return [{ band: 'all', total: {}, good: { status: good } }];
  }
  if (sli.kind === 'tpot') {
    const total: MeasureFilter = { status: ['ok'], ranges: { tpot_us: { min: 0 } } };
    return [
      { band: 'all', total, good: { ...total, ranges: { tpot_us: { min: 0, max: sli.thresholdUs } } } },
    ];
  }
  const field = sli.visibleToken ? 'ttft_visible_us' : 'ttft_us';
  return sli.bands.map((b) => {
    const prompt = {
      min: b.minPromptTokens,
      ...(b.maxPromptTokens !== null ? { max: b.maxPromptTokens } : {}),
    };
    return {
      band: b.name,
      total: { status: ['ok'], ranges: { prompt_tokens: prompt, [field]: { min: 0 } } },
      good: { status: ['ok'], ranges: { prompt_tokens: prompt, [field]: { min: 0, max: b.thresholdUs } } },
    };
  });
}

/**
 * The store filter that selects the SLO's requests (its selector) that completed in a range: an
 * event counts when its outcome is known, as the exported counters count it. By arrival, the
 * latest windows would miss the slow requests still running, exactly when they matter.
 */
export function sloRequestFilter(spec: SloSpec, range: RequestFilter['range']): RequestFilter {
  const where: Partial<Record<RequestDimension, string[]>> = {};
  for (const [dimension, value] of Object.entries(spec.selector))
    if (value !== undefined) where[dimension as RequestDimension] = [value];
  return { range, where, timeBy: 'completion' };
}

/** Store measures giving good and total events per band (token sums when token-weighted). */
export function sloMeasures(spec: SloSpec): Measure[] {
  return bandFilters(spec).flatMap(({ total, good }, i) =>
    (
      [
        ['total', total],
        ['good', good],
      ] as const
    ).flatMap(([kind, filter]): Measure[] =>
      spec.tokenWeighted
        ? [
            { fn: 'sum', field: 'prompt_tokens', filter, as: `${kind}_${i}_prompt` },
            { fn: 'sum', field: 'output_tokens', filter, as: `${kind}_${i}_output` },
          ]
        : [{ fn: 'count', filter, as: `${kind}_${i}` }],
    ),
  );
}

/** Store measures giving the spend on the SLO's events and on its good events, over all bands. */
export function sloSpendMeasures(spec: SloSpec): Measure[] {
  return bandFilters(spec).flatMap(({ total, good }, i): Measure[] => [
    { fn: 'sum', field: 'cost_usd', filter: total, as: `spend_total_${i}` },
    { fn: 'sum', field: 'cost_usd', filter: good, as: `spend_good_${i}` },
  ]);
}

/** Spend on the SLO's bad events (requests that broke it), from a row of sloSpendMeasures. */
export function sloBadSpend(spec: SloSpec, row: AggregateRow | undefined): number {
  const value = (key: string) => row?.values[key] ?? 0;
  return bandFilters(spec).reduce(
    (sum, _, i) => sum + value(`spend_total_${i}`) - value(`spend_good_${i}`),
    0,
  );
}

/** Reads one aggregate row of sloMeasures back into per-band events. */
export function sloBandEvents(spec: SloSpec, row: AggregateRow | undefined): SloBandEvents[] {
  const value = (key: string) => row?.values[key] ?? 0;
  return bandFilters(spec).map(({ band }, i) => {
    const read = (kind: 'total' | 'good') =>
      spec.tokenWeighted
        ? value(`${kind}_${i}_prompt`) + value(`${kind}_${i}_output`)
        : value(`${kind}_${i}`);
    return { band, good: read('good'), total: read('total') };
  });
}

/** The band names of the SLO's events, in order. */
export function sloBands(spec: SloSpec): string[] {
  return bandFilters(spec).map((f) => f.band);
}

/** One request as an event of the SLO: its band, whether it was good, and its weight; null when it is not one. */
export function classifyRequest(
  spec: SloSpec,
  request: InferenceRequest,
): { band: string; good: boolean; weight: number } | null {
  for (const [dimension, value] of Object.entries(spec.selector))
    if (value !== undefined && request[dimension as 'model' | 'team' | 'workload' | 'cluster'] !== value)
      return null;
  const weight = spec.tokenWeighted ? request.promptTokens + request.outputTokens : 1;
  const sli = spec.sli;
  if (sli.kind === 'availability')
    return { band: 'all', good: !sli.errorStatuses.includes(request.status), weight };
  if (request.status !== 'ok') return null;
  if (sli.kind === 'tpot') {
    if (request.tpotUs === null || request.tpotUs < 0) return null;
    return { band: 'all', good: request.tpotUs <= sli.thresholdUs, weight };
  }
  const latency = sli.visibleToken ? request.ttftVisibleUs : request.ttftUs;
  if (latency === null || latency < 0) return null;
  const band = sli.bands.find(
    (b) =>
      request.promptTokens >= b.minPromptTokens &&
      (b.maxPromptTokens === null || request.promptTokens <= b.maxPromptTokens),
  );
  if (!band) return null;
  return { band: band.name, good: latency <= band.thresholdUs, weight };
}
