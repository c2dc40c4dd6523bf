import { Hono } from 'hono';
import { z } from 'zod';
import { REQUEST_DIMENSIONS, REQUEST_NUMERIC_FIELDS, type Store } from '../store/store.ts';
import { apiError, filterQuery, parse, parseStepUs, range, where } from './api-params.ts';
import { sloRoutes, type SloApiSource } from './api-slo.ts';
import { recommendationRoutes } from './api-recommendations.ts';
import type { RecommendationBook } from '../analyze/recommend/decisions.ts';
import { phaseMeans, typicalRequest } from '../analyze/typical-request.ts';
import { isEngine } from '../model/engine.ts';
import { withDerivedPhases } from '../normalize/decompose.ts';
import {
  CHARGEBACK_DIMENSIONS,
  COST_BASES,
  calendarPeriod,
  chargebackReport,
} from '../analyze/cost/chargeback.ts';
import { chargebackCsv } from '../analyze/cost/chargeback-csv.ts';
import { KV_REPORT_DIMENSIONS, kvCacheReport } from '../analyze/kv-cache.ts';
import { schedulerReport } from '../analyze/scheduler.ts';
import { gpuTimeBreakdown } from '../analyze/gpu-breakdown.ts';
import { attributeRequest } from '../analyze/attribution.ts';
import { fitGpuCost, forecastGpus } from '../analyze/capacity.ts';
import { scalingSignal } from '../analyze/autoscale.ts';
import { PriceBook } from '../analyze/cost/price-book.ts';
import { latencyCostSeries, wastedSpendSeries } from '../analyze/cost/latency-cost-series.ts';

export interface ApiOptions {
  store: Store;
  /** The current time in µs (the simulator's clock in the demo). */
  nowUs: () => number;
  /** Extra read-only documents to serve under /api/… (the demo adds the simulator's). */
  extras?: Record<string, () => unknown>;
  /** Prometheus exposition for GET /metrics (the collector's canonical series). */
  metrics?: () => Promise<string>;
  /** The live SLO evaluator, when SLOs are configured. */
  slo?: SloApiSource | null;
  /** GPU prices (capacity, KV and GPU reports turn dollars back into GPU time); default on-demand list prices. */
  prices?: PriceBook;
  /** Recommendations and their decisions, when a manifests directory is configured. */
  recommendations?: RecommendationBook | null;
}

/** The HTTP API over the store (JSON). The full API and UI come with the web issue. */
export function createApi(options: ApiOptions): Hono {
  const { store, nowUs } = options;
  const prices = options.prices ?? new PriceBook('on_demand');
  const app = new Hono();
  app.onError((err, c) => {
    const { status, body } = apiError(err);
    return c.json(body, status);
  });
  app.get('/api/health', (c) => c.json({ status: 'ok', backend: store.backend }));
  const metrics = options.metrics;
  if (metrics) {
    app.get('/metrics', async (c) =>
      c.body(await metrics(), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }),
    );
  }
  app.get('/api/stats', async (c) => c.json(await store.stats()));
  app.route('/api', sloRoutes({ store, nowUs, source: options.slo ?? null }));
  app.route('/api', recommendationRoutes(options.recommendations ?? null));
  app.get('/api/requests', async (c) => {
    const query = parse(
      filterQuery.extend({
        order_by: z.enum(['arrival', ...REQUEST_NUMERIC_FIELDS]).default('e2e_us'),
        direction: z.enum(['asc', 'desc']).default('desc'),
        limit: z.coerce.number().int().min(1).max(1000).default(50),
      }),
      c.req.query(),
    );
    const requests = await store.searchRequests({
      range: range(query, nowUs()),
      where: where(query),
      orderBy: query.order_by,
      direction: query.direction,
      limit: query.limit,
    });
    return c.json({ requests });
  });
  app.get('/api/requests/:id', async (c) => {
    const found = await store.getRequest(c.req.param('id'));
    if (!found) return c.json({ error: `request ${c.req.param('id')} not found` }, 404);
    const spans = withDerivedPhases(found.request, found.spans);
    return c.json({ request: found.request, spans, attribution: attributeRequest(found.request, spans) });
  });
  app.get('/api/replicas/:replica/typical-request', async (c) => {
    const query = parse(filterQuery.pick({ from: true, to: true }), c.req.query());
    const r = range(query, nowUs());
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
    if (!result) return c.json({ error: `no latency histograms for replica ${replica} in this range` }, 404);
    return c.json({
      ...result,
      means,
      note: 'estimated from histogram means: every span is an average, not one request',
    });
  });
  app.get('/api/kv-cache', async (c) => {
    const query = parse(
      filterQuery.extend({
        from: z.string().default('24h'),
        by: z.enum(KV_REPORT_DIMENSIONS).default('tenant'),
      }),
      c.req.query(),
    );
    return c.json(
      await kvCacheReport(store, { range: range(query, nowUs()), by: query.by, where: where(query) }, prices),
    );
  });
  app.get('/api/scheduler', async (c) => {
    const query = parse(
      z.object({
        from: z.string().default('1h'),
        to: z.string().default('now'),
        step: z.string().default('1m'),
        model: z.string().optional(),
        max_num_seqs: z.coerce.number().int().positive().optional(),
      }),
      c.req.query(),
    );
    return c.json(
      await schedulerReport(store, {
        range: range(query, nowUs()),
        stepUs: parseStepUs(query.step),
        ...(query.model ? { model: query.model } : {}),
        ...(query.max_num_seqs ? { maxNumSeqs: query.max_num_seqs } : {}),
      }),
    );
  });
  app.get('/api/gpu', async (c) => {
    const query = parse(
      z.object({
        from: z.string().default('1h'),
        to: z.string().default('now'),
        cluster: z.string().optional(),
        model: z.string().optional(),
        replica: z.string().optional(),
      }),
      c.req.query(),
    );
    const where = Object.fromEntries(
      (['cluster', 'model', 'replica'] as const).flatMap((k) => (query[k] ? [[k, [query[k]]]] : [])),
    );
    return c.json(
      await gpuTimeBreakdown(store, prices, {
        range: range(query, nowUs()),
        where,
      }),
    );
  });
  app.get('/api/scaling', async (c) => {
    const query = parse(z.object({ model: z.string().min(1) }), c.req.query());
    return c.json(await scalingSignal(store, query.model, nowUs()));
  });
  app.get('/api/capacity', async (c) => {
    const query = parse(
      z.object({
        from: z.string().default('24h'),
        to: z.string().default('now'),
        model: z.string().min(1),
        rate: z.coerce.number().positive(),
        prompt: z.coerce.number().positive(),
        output: z.coerce.number().positive(),
        cache: z.coerce.number().min(0).max(1).default(0),
        utilization: z.coerce.number().gt(0).max(1).default(0.7),
        gpus_per_replica: z.coerce.number().int().positive().default(1),
      }),
      c.req.query(),
    );
    const measured = await store.searchRequests({
      range: range(query, nowUs()),
      where: { model: [query.model], status: ['ok'] },
      orderBy: 'arrival',
      direction: 'desc',
      limit: 20_000,
    });
    const fit = fitGpuCost(measured, prices);
    if (!fit)
      return c.json(
        { error: `not enough priced requests of ${query.model} in this range to measure its cost` },
        404,
      );
    const forecast = forecastGpus(
      {
        requestsPerSecond: query.rate,
        promptTokens: query.prompt,
        outputTokens: query.output,
        cacheReuse: query.cache,
        targetUtilization: query.utilization,
      },
      fit,
      query.gpus_per_replica,
    );
    return c.json({
      fit,
      forecast,
      method:
        'GPUs = rate × (a × prompt × (1 − cache) + b × output) ÷ utilization; a, b fitted on measured requests’ GPU-seconds (attributed cost ÷ price per GPU-second)',
    });
  });
  app.get('/api/percentiles', async (c) => {
    const query = parse(
      filterQuery.extend({ by: z.enum(REQUEST_DIMENSIONS).default('model') }),
      c.req.query(),
    );
    const rows = await store.aggregateRequests({
      range: range(query, nowUs()),
      where: where(query),
      groupBy: [query.by],
      measures: [
        { fn: 'count' },
        { fn: 'quantile', field: 'ttft_us', q: 0.5 },
        { fn: 'quantile', field: 'ttft_us', q: 0.95 },
        { fn: 'quantile', field: 'ttft_us', q: 0.99 },
        { fn: 'quantile', field: 'tpot_us', q: 0.5 },
        { fn: 'quantile', field: 'e2e_us', q: 0.99 },
      ],
    });
    return c.json({ by: query.by, rows });
  });
  app.get('/api/chargeback', async (c) => {
    const query = parse(
      z.object({
        from: z.string().default('30d'),
        to: z.string().default('now'),
        period: z.string().optional(),
        by: z
          .string()
          .default('team')
          .transform((v) => v.split(',').filter(Boolean))
          .pipe(z.array(z.enum(CHARGEBACK_DIMENSIONS)).min(1)),
        granularity: z.enum(['day', 'month', 'total']).default('month'),
        format: z.enum(['json', 'csv']).default('json'),
        include_idle: z.enum(['true', 'false']).default('true'),
        basis: z.enum(COST_BASES).default('usage'),
      }),
      c.req.query(),
    );
    const reportRange = query.period
      ? calendarPeriod(query.period)
      : range({ from: query.from, to: query.to }, nowUs());
    const report = await chargebackReport(store, {
      range: reportRange,
      by: query.by,
      granularity: query.granularity,
      includeIdle: query.include_idle === 'true',
      basis: query.basis,
    });
    if (query.format === 'json') return c.json(report);
    return c.body(chargebackCsv(report), 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': 'attachment; filename="kubeburner-chargeback.csv"',
    });
  });
  const seriesQuery = z.object({
    from: z.string().default('24h'),
    to: z.string().default('now'),
    step: z.string().default('1h'),
  });
  app.get('/api/cost/latency', async (c) => {
    const query = parse(
      seriesQuery.extend({ by: z.enum(REQUEST_DIMENSIONS).default('model') }),
      c.req.query(),
    );
    const points = await latencyCostSeries(store, {
      range: range({ from: query.from, to: query.to }, nowUs()),
      by: query.by,
      stepUs: parseStepUs(query.step),
    });
    return c.json({ by: query.by, points });
  });
  app.get('/api/cost/wasted', async (c) => {
    const query = parse(
      seriesQuery.extend({ by: z.enum(REQUEST_DIMENSIONS).default('team') }),
      c.req.query(),
    );
    const series = await wastedSpendSeries(store, {
      range: range({ from: query.from, to: query.to }, nowUs()),
      stepUs: parseStepUs(query.step),
      by: query.by,
    });
    return c.json({ by: query.by, ...series });
  });
  for (const [name, read] of Object.entries(options.extras ?? {}))
    app.get(`/api/${name}`, (c) => c.json(read() as object));
  return app;
}
