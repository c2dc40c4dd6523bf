import { Hono } from 'hono';
import { z } from 'zod';
import { REQUEST_DIMENSIONS, type Store } from '../store/store.ts';
import {
  CHARGEBACK_DIMENSIONS,
  COST_BASES,
  calendarPeriod,
  chargebackReport,
} from '../analyze/cost/chargeback.ts';
import { chargebackCsv } from '../analyze/cost/chargeback-csv.ts';
import { FOCUS_VERSION, focusDataset, type FocusIdentity } from '../analyze/cost/focus-dataset.ts';
import { latencyCostSeries, wastedSpendSeries } from '../analyze/cost/latency-cost-series.ts';
import { range, seriesStepUs } from './api-params.ts';
import { scopedWhere, type ApiEnv } from './auth.ts';
import { doc, query } from './openapi.ts';

const seriesQuery = z.object({
  from: z.string().default('24h'),
  to: z.string().default('now'),
  step: z.string().default('1h').describe('bucket width, e.g. 5m, 1h'),
});

/**
 * Chargeback (JSON or CSV), the latency–cost series and wasted spend. A team-scoped token gets its
 * teams' usage only: idle GPU cost belongs to no team, so it is not in a scoped answer.
 */
export function costRoutes(options: {
  store: Store;
  nowUs: () => number;
  focus: FocusIdentity;
}): Hono<ApiEnv> {
  const { store, nowUs } = options;
  const app = new Hono<ApiEnv>();

  app.get(
    '/chargeback',
    doc('cost', 'Chargeback: cost, tokens and unit costs by team, cluster, workload, model …', {
      csv: true,
      description:
        'Usage rows per group and period, plus idle GPU cost rows (kind=idle) kept apart from usage. basis=allocation spreads idle cost over the usage of the same cluster and model. format=csv gives the finance export.',
    }),
    query(
      z.object({
        from: z.string().default('30d'),
        to: z.string().default('now'),
        period: z
          .string()
          .optional()
          .describe('a calendar month (2026-11) or quarter (2026-Q4) instead of from/to'),
        by: z
          .string()
          .default('team')
          .transform((v) => v.split(',').filter(Boolean))
          .pipe(z.array(z.enum(CHARGEBACK_DIMENSIONS)).min(1))
          .describe(`comma-separated: ${CHARGEBACK_DIMENSIONS.join(', ')}`),
        granularity: z.enum(['day', 'month', 'total']).default('month'),
        format: z
          .enum(['json', 'csv', 'focus'])
          .default('json')
          .describe(
            `csv: compact, FOCUS-aligned; focus: a FOCUS ${FOCUS_VERSION} dataset (all mandatory columns)`,
          ),
        include_idle: z.enum(['true', 'false']).default('true'),
        basis: z.enum(COST_BASES).default('usage'),
      }),
    ),
    async (c) => {
      const q = c.req.valid('query');
      const scope = c.get('scope');
      const reportRange = q.period ? calendarPeriod(q.period) : range({ from: q.from, to: q.to }, nowUs());
      const report = await chargebackReport(store, {
        range: reportRange,
        by: q.by,
        granularity: q.granularity,
        includeIdle: q.include_idle === 'true' && scope.teams === null,
        basis: scope.teams === null ? q.basis : 'usage',
        ...(scope.teams ? { where: scopedWhere(scope, {}) } : {}),
      });
      if (q.format === 'json') return c.json(report);
      if (q.format === 'focus')
        return c.body(focusDataset(report, options.focus), 200, {
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': `attachment; filename="kubeburner-focus-${FOCUS_VERSION}.csv"`,
          'x-focus-version': FOCUS_VERSION,
        });
      return c.body(chargebackCsv(report), 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': 'attachment; filename="kubeburner-chargeback.csv"',
      });
    },
  );

  app.get(
    '/cost/latency',
    doc('cost', 'Latency and cost on one time axis: TTFT p50/p99, e2e p99, spend and $/1k tokens per bucket'),
    query(seriesQuery.extend({ by: z.enum(REQUEST_DIMENSIONS).default('model') })),
    async (c) => {
      const q = c.req.valid('query');
      const scope = c.get('scope');
      const r = range({ from: q.from, to: q.to }, nowUs());
      const points = await latencyCostSeries(store, {
        range: r,
        by: q.by,
        stepUs: seriesStepUs(q.step, r),
        ...(scope.teams ? { where: scopedWhere(scope, {}) } : {}),
      });
      return c.json({ by: q.by, points });
    },
  );

  app.get(
    '/cost/wasted',
    doc('cost', 'Wasted spend per bucket: failed, timed-out and cancelled requests, and idle GPU time'),
    query(seriesQuery.extend({ by: z.enum(REQUEST_DIMENSIONS).default('team') })),
    async (c) => {
      const q = c.req.valid('query');
      const scope = c.get('scope');
      const r = range({ from: q.from, to: q.to }, nowUs());
      const series = await wastedSpendSeries(store, {
        range: r,
        stepUs: seriesStepUs(q.step, r),
        by: q.by,
        ...(scope.teams ? { where: scopedWhere(scope, {}) } : {}),
      });
      return c.json({ by: q.by, ...series });
    },
  );
  return app;
}
