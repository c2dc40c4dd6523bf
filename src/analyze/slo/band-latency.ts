import { measureKey, type RequestNumericField, type Store, type TimeRange } from '../../store/store.ts';
import { sloRequestFilter } from './events.ts';
import type { SloSpec } from './spec.ts';

/** A latency SLO's percentiles in one band, beside the band's threshold. */
export interface BandLatency {
  band: string;
  /** The latency the band is judged on: `ttft_us`, `ttft_visible_us` or `tpot_us`. */
  field: RequestNumericField;
  minPromptTokens: number | null;
  maxPromptTokens: number | null;
  thresholdUs: number;
  /** Successful requests with the field measured. */
  requests: number;
  p50Us: number | null;
  p90Us: number | null;
  p99Us: number | null;
}

const QUANTILES = [0.5, 0.9, 0.99] as const;

/**
 * p50/p90/p99 of a latency SLO's field in each band over `range` (requests that completed in it,
 * as the SLO counts them): where the share over target says how often a band misses, these say by
 * how much. Availability SLOs have no latency: none.
 */
export async function bandLatencies(store: Store, spec: SloSpec, range: TimeRange): Promise<BandLatency[]> {
  const sli = spec.sli;
  if (sli.kind === 'availability') return [];
  const bands =
    sli.kind === 'tpot'
      ? [{ name: 'all', minPromptTokens: null, maxPromptTokens: null, thresholdUs: sli.thresholdUs }]
      : sli.bands;
  const field: RequestNumericField =
    sli.kind === 'tpot' ? 'tpot_us' : sli.visibleToken ? 'ttft_visible_us' : 'ttft_us';
  const base = sloRequestFilter(spec, range);
  return Promise.all(
    bands.map(async (band): Promise<BandLatency> => {
      const [row] = await store.aggregateRequests({
        ...base,
        where: { ...base.where, status: ['ok'] },
        atLeast: {
          [field]: 0,
          ...(band.minPromptTokens !== null ? { prompt_tokens: band.minPromptTokens } : {}),
        },
        ...(band.maxPromptTokens !== null ? { atMost: { prompt_tokens: band.maxPromptTokens } } : {}),
        groupBy: [],
        measures: [{ fn: 'count' }, ...QUANTILES.map((q) => ({ fn: 'quantile' as const, field, q }))],
      });
      const value = (q: number) => {
        const v = row?.values[measureKey({ fn: 'quantile', field, q })];
        return typeof v === 'number' && Number.isFinite(v) ? v : null;
      };
      return {
        band: band.name,
        field,
        minPromptTokens: band.minPromptTokens,
        maxPromptTokens: band.maxPromptTokens,
        thresholdUs: band.thresholdUs,
        requests: Number(row?.values.count ?? 0),
        p50Us: value(0.5),
        p90Us: value(0.9),
        p99Us: value(0.99),
      };
    }),
  );
}
