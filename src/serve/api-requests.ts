import { Hono } from 'hono';
import { z } from 'zod';
import { REQUEST_DIMENSIONS, REQUEST_NUMERIC_FIELDS, type Store } from '../store/store.ts';
import { attributeRequest } from '../analyze/attribution.ts';
import { allocateSpanCosts } from '../analyze/cost/span-allocation.ts';
import {
  explainRequest,
  inIncidentTerms,
  incidentAround,
  peerMeans,
} from '../analyze/request-explanation.ts';
import { phaseMeans, typicalRequest } from '../analyze/typical-request.ts';
import { isEngine } from '../model/engine.ts';
import { withDerivedPhases } from '../normalize/decompose.ts';
import { autoStepUs, filterQuery, range, seriesStepUs, where } from './api-params.ts';
import { canSeeTeam, fleetOnly, scopedWhere, type ApiEnv } from './auth.ts';
import { doc, query } from './openapi.ts';

const PERCENTILES = [0.5, 0.95, 0.99] as const;

/** One bucket of /api/timeseries (of one group, with `by`). */
export interface TimeseriesPoint {
  group: string;
  t: number;
  requests: number;
  errors: number;
  requestsPerSecond: number;
  ttftP50Us: number | null;
  ttftP99Us: number | null;
  e2eP99Us: number | null;
  costUsd: number;
  outputTokens: number;
}

/** Percentile fields the latency filter understands: only requests at or above that percentile. */
const LATENCY_FIELDS = ['e2e_us', 'ttft_us', 'tpot_us', 'queue_us'] as const;

/**
 * Requests: search (filters, slowest or most expensive first, id prefix, above a percentile), one
 * request with its spans, attribution and explanation, latency percentiles by a dimension, and
 * time series. Everything a scoped token reads is narrowed to its teams.
 */
export function requestRoutes(options: { store: Store; nowUs: () => number }): Hono<ApiEnv> {
  const { store, nowUs } = options;
  const app = new Hono<ApiEnv>();

  app.get(
    '/requests',
    doc('requests', 'Search requests', {
      description:
        'Filters by time, model, team, cluster, status, replica and id prefix; `above` keeps only requests at or above a latency percentile of the same filter (e.g. above=p99 with percentile_of=e2e_us).',
    }),
    query(
      filterQuery.extend({
        id: z.string().trim().min(1).max(200).optional().describe('request id, or the start of one'),
        above: z.enum(['p50', 'p90', 'p95', 'p99', 'p999']).optional(),
        percentile_of: z.enum(LATENCY_FIELDS).default('e2e_us'),
        order_by: z.enum(['arrival', ...REQUEST_NUMERIC_FIELDS]).default('e2e_us'),
        direction: z.enum(['asc', 'desc']).default('desc'),
        limit: z.coerce.number().int().min(1).max(1000).default(50),
      }),
    ),
    async (c) => {
      const q = c.req.valid('query');
      const filter = {
        range: range(q, nowUs()),
        where: scopedWhere(c.get('scope'), where(q)),
        ...(q.id ? { idPrefix: q.id } : {}),
      };
      let threshold: number | null = null;
      if (q.above) {
        const quantile = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99, p999: 0.999 }[q.above];
        const [row] = await store.aggregateRequests({
          ...filter,
          groupBy: [],
          measures: [{ fn: 'quantile', field: q.percentile_of, q: quantile }],
        });
        threshold = row ? (Object.values(row.values)[0] ?? null) : null;
      }
      const requests =
        q.above && threshold === null
          ? []
          : await store.searchRequests({
              ...filter,
              ...(threshold !== null ? { atLeast: { [q.percentile_of]: threshold } } : {}),
              orderBy: q.order_by,
              direction: q.direction,
              limit: q.limit,
            });
      return c.json({
        requests,
        ...(q.above ? { threshold: { field: q.percentile_of, at: q.above, value: threshold } } : {}),
      });
    },
  );

  app.get(
    '/requests/:id',
    doc(
      'requests',
      'One request: spans with duration and cost, attribution, root-cause label, typical peer',
      {
        description:
          'Spans include phases derived from the request’s timestamps; a request priced as a whole has its cost split over its GPU-busy spans (attribute kb.cost_source). `attribution` splits the end-to-end time into parts that sum to it; `explanation` compares the request with the mean successful request of its model within ±15 min, and names first the incident it ran in (the 5 minutes up to its end against the 30 before) when that incident slows its slowest phase.',
        notFound: 'No such request (or not one of the token’s teams)',
      },
    ),
    async (c) => {
      const found = await store.getRequest(c.req.param('id'));
      if (!found || !canSeeTeam(c.get('scope'), found.request.team))
        return c.json({ error: `request ${c.req.param('id')} not found` }, 404);
      const spans = allocateSpanCosts(found.request, withDerivedPhases(found.request, found.spans));
      const [peers, incident] = await Promise.all([
        peerMeans(store, found.request),
        incidentAround(store, found.request),
      ]);
      return c.json({
        request: found.request,
        spans,
        attribution: attributeRequest(found.request, spans),
        explanation: inIncidentTerms(explainRequest(found.request, peers), incident),
        typical: peers,
      });
    },
  );

  app.get(
    '/replicas/:replica/typical-request',
    doc('requests', 'A replica’s typical request, estimated from its latency histograms', {
      description: 'For engines without per-request traces; every span is a mean over the range.',
      notFound: 'The replica exported no latency histograms in the range',
      fleet: true,
    }),
    // A replica serves every team: its means are a fleet view.
    fleetOnly,
    query(filterQuery.pick({ from: true, to: true })),
    async (c) => {
      const r = range(c.req.valid('query'), nowUs());
      const replica = c.req.param('replica');
      const means = await phaseMeans(store, replica, r);
      // Trace-less engines have no request rows: the replica's own series say what it serves.
      const [info] = await store.queryMetric({
        name: 'llm.requests.running',
        range: r,
        where: { replica: [replica] },
        groupBy: ['model', 'engine', 'cluster'],
        stepUs: Math.max(1, r.toUs - r.fromUs),
        aggregate: 'last',
      });
      const engine = info?.group.engine ?? 'other';
      const result = typicalRequest(means, {
        replica,
        model: info?.group.model ?? 'unknown',
        cluster: info?.group.cluster ?? 'unknown',
        engine: isEngine(engine) ? engine : 'other',
        startUs: r.fromUs,
      });
      if (!result)
        return c.json({ error: `no latency histograms for replica ${replica} in this range` }, 404);
      return c.json({
        ...result,
        means,
        note: 'estimated from histogram means: every span is an average, not one request',
      });
    },
  );

  app.get(
    '/percentiles',
    doc('latency', 'Latency percentiles and cost by one dimension', {
      description:
        'TTFT p50/p95/p99, TPOT p50/p99, e2e p50/p95/p99, request count, errors and spend per group.',
    }),
    query(filterQuery.extend({ by: z.enum(REQUEST_DIMENSIONS).default('model') })),
    async (c) => {
      const q = c.req.valid('query');
      const rows = await store.aggregateRequests({
        range: range(q, nowUs()),
        where: scopedWhere(c.get('scope'), where(q)),
        groupBy: [q.by],
        measures: [
          { fn: 'count' },
          { fn: 'count', filter: { status: ['error', 'timeout'] }, as: 'errors' },
          ...PERCENTILES.map((p) => ({ fn: 'quantile' as const, field: 'ttft_us' as const, q: p })),
          { fn: 'quantile', field: 'tpot_us', q: 0.5 },
          { fn: 'quantile', field: 'tpot_us', q: 0.99 },
          ...PERCENTILES.map((p) => ({ fn: 'quantile' as const, field: 'e2e_us' as const, q: p })),
          { fn: 'sum', field: 'cost_usd' },
        ],
      });
      rows.sort((a, b) => (b.values.count ?? 0) - (a.values.count ?? 0));
      return c.json({ by: q.by, rows });
    },
  );

  app.get(
    '/timeseries',
    doc('latency', 'Requests over time: rate, errors, latency percentiles and spend per bucket', {
      description:
        'Aggregated in the store; `step` defaults to about 120 buckets over the range. With `by`, one series per group.',
    }),
    query(
      filterQuery.extend({
        step: z.string().optional().describe('bucket width, e.g. 1m, 1h'),
        by: z.enum(REQUEST_DIMENSIONS).optional(),
      }),
    ),
    async (c) => {
      const q = c.req.valid('query');
      const r = range(q, nowUs());
      const stepUs = q.step ? seriesStepUs(q.step, r) : autoStepUs(r);
      const rows = await store.aggregateRequests({
        range: r,
        where: scopedWhere(c.get('scope'), where(q)),
        groupBy: q.by ? [q.by] : [],
        bucketUs: stepUs,
        measures: [
          { fn: 'count' },
          { fn: 'count', filter: { status: ['error', 'timeout'] }, as: 'errors' },
          { fn: 'quantile', field: 'ttft_us', q: 0.5 },
          { fn: 'quantile', field: 'ttft_us', q: 0.99 },
          { fn: 'quantile', field: 'e2e_us', q: 0.99 },
          { fn: 'sum', field: 'cost_usd' },
          { fn: 'sum', field: 'output_tokens' },
        ],
      });
      const points = rows
        .map((row): TimeseriesPoint => ({
          group: q.by ? (row.group[q.by] ?? '') : 'all',
          t: row.bucketStartUs ?? r.fromUs,
          requests: row.values.count ?? 0,
          errors: row.values.errors ?? 0,
          requestsPerSecond: (row.values.count ?? 0) / (stepUs / 1e6),
          ttftP50Us: row.values.p50_ttft_us ?? null,
          ttftP99Us: row.values.p99_ttft_us ?? null,
          e2eP99Us: row.values.p99_e2e_us ?? null,
          costUsd: row.values.sum_cost_usd ?? 0,
          outputTokens: row.values.sum_output_tokens ?? 0,
        }))
        .sort((a, b) => a.t - b.t || a.group.localeCompare(b.group));
      return c.json({ stepUs, range: r, by: q.by ?? null, points });
    },
  );
  return app;
}
