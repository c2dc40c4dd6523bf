import { Hono } from 'hono';
import { z } from 'zod';
import type { Store } from '../store/store.ts';
import { KV_REPORT_DIMENSIONS, kvCacheReport } from '../analyze/kv-cache.ts';
import { schedulerReport } from '../analyze/scheduler.ts';
import { gpuTimeBreakdown } from '../analyze/gpu-breakdown.ts';
import { engineActiveByGpu } from '../analyze/gpu-activity.ts';
import { fitGpuCost, forecastGpus } from '../analyze/capacity.ts';
import { scalingSignal } from '../analyze/autoscale.ts';
import type { PriceBook } from '../analyze/cost/price-book.ts';
import { filterQuery, parseStepUs, range, seriesStepUs, where } from './api-params.ts';
import { fleetOnly, scopedWhere, type ApiEnv } from './auth.ts';
import { doc, query } from './openapi.ts';

/** Tensor-parallel balance of one replica: its GPUs' mean engine-active ratios side by side. */
export interface TpBalance {
  replica: string;
  engineActive: number[];
  /** Slowest GPU's ratio minus the fastest's; the faster ones wait for it at every all-reduce. */
  spread: number;
}

/** The analysis engine's views: KV cache, scheduler, GPU time, autoscaling and capacity. */
export function engineRoutes(options: {
  store: Store;
  nowUs: () => number;
  prices: PriceBook;
}): Hono<ApiEnv> {
  const { store, nowUs, prices } = options;
  const app = new Hono<ApiEnv>();

  app.get(
    '/kv-cache',
    doc(
      'engine',
      'Prefix/KV cache: hit rate and savings by tenant, team or prompt family; KV pressure per replica',
      {
        description:
          'A team-scoped token sees its teams’ rows; per-replica pressure covers the whole fleet and is left out for it.',
      },
    ),
    query(
      filterQuery.extend({
        from: z.string().default('24h'),
        by: z.enum(KV_REPORT_DIMENSIONS).default('tenant'),
      }),
    ),
    async (c) => {
      const q = c.req.valid('query');
      const scope = c.get('scope');
      const report = await kvCacheReport(
        store,
        {
          range: range(q, nowUs()),
          by: q.by,
          where: scopedWhere(scope, where(q)),
        },
        prices,
      );
      return c.json(scope.teams ? { ...report, replicas: [] } : report);
    },
  );

  app.get(
    '/scheduler',
    doc('engine', 'Scheduler: backlog, waiting/running, batch utilization, starvation and tenant fairness', {
      fleet: true,
    }),
    fleetOnly,
    query(
      z.object({
        from: z.string().default('1h'),
        to: z.string().default('now'),
        step: z.string().default('1m'),
        model: z.string().optional(),
        max_num_seqs: z.coerce.number().int().positive().optional(),
        /** A request that waited this long for the engine counts as starved. */
        starved_after: z.string().default('1s'),
      }),
    ),
    async (c) => {
      const q = c.req.valid('query');
      const r = range(q, nowUs());
      return c.json(
        await schedulerReport(store, {
          starvedAfterUs: parseStepUs(q.starved_after, 'starved_after'),
          range: r,
          stepUs: seriesStepUs(q.step, r),
          ...(q.model ? { model: q.model } : {}),
          ...(q.max_num_seqs ? { maxNumSeqs: q.max_num_seqs } : {}),
        }),
      );
    },
  );

  app.get(
    '/gpu',
    doc('engine', 'GPU time breakdown per replica and cluster, and tensor-parallel balance', {
      fleet: true,
      description:
        'Every GPU-second a replica held, split into prefill, decode, recomputed prefill, communication wait, abandoned, idle and unattributed (shares sum to 1). `tp` gives each multi-GPU replica’s per-GPU engine-active ratios.',
    }),
    fleetOnly,
    query(
      z.object({
        from: z.string().default('1h'),
        to: z.string().default('now'),
        cluster: z.string().optional(),
        model: z.string().optional(),
        replica: z.string().optional(),
      }),
    ),
    async (c) => {
      const q = c.req.valid('query');
      const r = range(q, nowUs());
      const filter = Object.fromEntries(
        (['cluster', 'model', 'replica'] as const).flatMap((k) => (q[k] ? [[k, [q[k]]]] : [])),
      );
      const report = await gpuTimeBreakdown(store, prices, { range: r, where: filter });
      const multiGpu = report.replicas.filter((row) => row.gpuCount > 1).map((row) => row.group);
      const active = multiGpu.length > 0 ? await engineActiveByGpu(store, multiGpu, r) : new Map();
      const tp: TpBalance[] = [...active.entries()]
        .filter(([, ratios]) => ratios.length > 1)
        .map(([replica, ratios]) => ({
          replica,
          engineActive: ratios,
          spread: Math.max(...ratios) - Math.min(...ratios),
        }))
        .sort((a, b) => b.spread - a.spread);
      return c.json({ ...report, tp });
    },
  );

  app.get(
    '/scaling',
    doc('capacity', 'Autoscaling signal for a model (what KEDA/HPA would read)', { fleet: true }),
    fleetOnly,
    query(z.object({ model: z.string().min(1) })),
    async (c) => c.json(await scalingSignal(store, c.req.valid('query').model, nowUs())),
  );

  app.get(
    '/capacity',
    doc('capacity', 'GPUs needed for a forecast load, fitted on measured requests', {
      fleet: true,
      notFound: 'Not enough priced requests of the model in the range',
    }),
    fleetOnly,
    query(
      z.object({
        from: z.string().default('24h'),
        to: z.string().default('now'),
        model: z.string().min(1),
        rate: z.coerce.number().positive().describe('requests per second'),
        prompt: z.coerce.number().positive().describe('mean prompt tokens'),
        output: z.coerce.number().positive().describe('mean output tokens'),
        cache: z.coerce
          .number()
          .min(0)
          .max(1)
          .default(0)
          .describe('share of prompt tokens served from cache'),
        utilization: z.coerce.number().gt(0).max(1).default(0.7),
        gpus_per_replica: z.coerce.number().int().positive().default(1),
      }),
    ),
    async (c) => {
      const q = c.req.valid('query');
      const measured = await store.searchRequests({
        range: range(q, nowUs()),
        where: { model: [q.model], status: ['ok'] },
        orderBy: 'arrival',
        direction: 'desc',
        limit: 20_000,
      });
      const fit = fitGpuCost(measured, prices);
      if (!fit)
        return c.json(
          { error: `not enough priced requests of ${q.model} in this range to measure its cost` },
          404,
        );
      const forecast = forecastGpus(
        {
          requestsPerSecond: q.rate,
          promptTokens: q.prompt,
          outputTokens: q.output,
          cacheReuse: q.cache,
          targetUtilization: q.utilization,
        },
        fit,
        q.gpus_per_replica,
      );
      return c.json({
        fit,
        forecast,
        method:
          'GPUs = rate × (a × prompt × (1 − cache) + b × output) ÷ utilization; a, b fitted on measured requests’ GPU-seconds (attributed cost ÷ price per GPU-second)',
      });
    },
  );
  return app;
}
