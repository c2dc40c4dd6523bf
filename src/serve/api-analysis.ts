import { Hono } from 'hono';
import { z } from 'zod';
import type { Store } from '../store/store.ts';
import { compareWindows } from '../analyze/rca/compare-windows.ts';
import { BadRequest, filterQuery, range, where } from './api-params.ts';
import { fleetOnly, type ApiEnv } from './auth.ts';
import { doc, query } from './openapi.ts';

/** Without a baseline, a window is compared with the half hour before it. */
const DEFAULT_BASELINE_US = 30 * 60e6;

const analysisQuery = filterQuery.extend({
  from: z.string().default('5m').describe('window start (as in every route)'),
  baseline_from: z
    .string()
    .optional()
    .describe('baseline start (with baseline_to); default: 30 minutes before the window'),
  baseline_to: z
    .string()
    .optional()
    .describe('baseline end (with baseline_from); default: the window’s start'),
});

function baselineOf(q: z.infer<typeof analysisQuery>, window: { fromUs: number }, nowUs: number) {
  if (q.baseline_from === undefined && q.baseline_to === undefined)
    return { fromUs: window.fromUs - DEFAULT_BASELINE_US, toUs: window.fromUs };
  if (q.baseline_from === undefined || q.baseline_to === undefined)
    throw new BadRequest('give baseline_from and baseline_to together, or neither');
  const baseline = range({ from: q.baseline_from, to: q.baseline_to }, nowUs);
  if (baseline.toUs <= baseline.fromUs) throw new BadRequest('baseline_to must be after baseline_from');
  return baseline;
}

/**
 * /api/analysis/window: why a window differs from a healthy baseline — the root-cause analysis SLO
 * alerts and incidents run (compare-windows.ts), for any window someone asks about.
 */
export function analysisRoutes(options: { store: Store; nowUs: () => number }): Hono<ApiEnv> {
  const { store, nowUs } = options;
  const app = new Hono<ApiEnv>();
  app.get(
    '/analysis/window',
    doc(
      'incidents',
      'Root cause of a window against a baseline: a cause with its evidence, or inconclusive',
      {
        description:
          'Compares the requests the filters select in [from, to] with the baseline, from the change’s onset, each signal weighed against its healthy variation (docs/analysis.md). `verdict` names a cause, or says inconclusive with the candidates.',
        fleet: true,
      },
    ),
    fleetOnly,
    query(analysisQuery),
    async (c) => {
      const q = c.req.valid('query');
      const window = range(q, nowUs());
      if (window.toUs <= window.fromUs) throw new BadRequest('to must be after from');
      const baseline = baselineOf(q, window, nowUs());
      return c.json(await compareWindows(store, { where: where(q) }, window, baseline));
    },
  );
  return app;
}
