import { Hono } from 'hono';
import { z } from 'zod';
import { REQUEST_DIMENSIONS, type Store, type TimeRange } from '../store/store.ts';
import { topRegressions, type Regression } from '../analyze/regressions.ts';
import { IDLE_COST_METRIC } from '../analyze/cost/replica-price.ts';
import { range } from './api-params.ts';
import { scopedWhere, type ApiEnv, type TeamScope } from './auth.ts';
import { sloVisible, type SloApiSource } from './api-slo.ts';
import { doc, query } from './openapi.ts';

/** The /api/overview answer. */
export interface OverviewAnswer {
  scope: TeamScope;
  range: TimeRange;
  traffic: {
    requests: number;
    requestsPerSecond: number;
    errorRatio: number | null;
    ttftP99Us: number | null;
    e2eP99Us: number | null;
    outputTokens: number;
  };
  spend: { usagePerHourUsd: number; idlePerHourUsd: number | null; totalPerHourUsd: number };
  replicasReporting: number | null;
  slos: {
    slo: string;
    description: string | null;
    objective: number;
    sli: number | null;
    budgetRemaining: number;
    firing: string[];
  }[];
  regressions: Regression[];
}

/**
 * /api/overview: the fleet at a glance for the token's scope — traffic, errors and p99 latency
 * over the window, the spend rate (usage, plus idle GPUs for an unscoped token), every SLO's
 * budget and firing alerts, and the groups that got worse than in the hour before.
 */
export function overviewRoutes(options: {
  store: Store;
  nowUs: () => number;
  slo: SloApiSource | null;
}): Hono<ApiEnv> {
  const { store, nowUs } = options;
  const app = new Hono<ApiEnv>();
  app.get(
    '/overview',
    doc('system', 'Fleet health, spend rate ($/h), SLO status and top regressions', {
      description:
        'Regressions compare the window with the hour before it, by `by` (default model); a team-scoped token sees its teams’ traffic and SLOs only, and no idle GPU cost.',
    }),
    query(
      z.object({
        from: z.string().default('15m'),
        to: z.string().default('now'),
        by: z.enum(REQUEST_DIMENSIONS).default('model'),
      }),
    ),
    async (c) => {
      const q = c.req.valid('query');
      const scope = c.get('scope');
      const window = range(q, nowUs());
      const hours = Math.max(1, window.toUs - window.fromUs) / 3600e6;
      const baseline = { fromUs: window.fromUs - 3600e6, toUs: window.fromUs };
      const where = scopedWhere(scope, {});
      const [[totals], idle, regressions, replicas] = await Promise.all([
        store.aggregateRequests({
          range: window,
          where,
          groupBy: [],
          measures: [
            { fn: 'count' },
            { fn: 'count', filter: { status: ['error', 'timeout'] }, as: 'errors' },
            { fn: 'quantile', field: 'ttft_us', q: 0.99 },
            { fn: 'quantile', field: 'e2e_us', q: 0.99 },
            { fn: 'sum', field: 'cost_usd' },
            { fn: 'sum', field: 'output_tokens' },
          ],
        }),
        scope.teams
          ? Promise.resolve([])
          : store.queryMetric({
              name: IDLE_COST_METRIC,
              range: window,
              stepUs: Math.max(1, window.toUs - window.fromUs),
              aggregate: 'sum',
            }),
        topRegressions(store, { window, baseline, by: q.by, where }),
        scope.teams
          ? Promise.resolve([])
          : store.queryMetric({
              name: 'llm.requests.running',
              range: { fromUs: window.toUs - 5 * 60e6, toUs: window.toUs },
              groupBy: ['replica'],
              stepUs: 5 * 60e6,
              aggregate: 'last',
            }),
      ]);
      const v = totals?.values ?? {};
      const requests = v.count ?? 0;
      const usageUsd = v.sum_cost_usd ?? 0;
      const idleUsd = idle.reduce((sum, p) => sum + p.value, 0);
      const slos = (options.slo?.status() ?? [])
        .filter((s) => sloVisible(scope, s))
        .map((s) => ({
          slo: s.slo,
          description: s.description,
          objective: s.objective,
          sli: s.sli,
          budgetRemaining: s.budgetRemaining,
          firing: s.alerts.filter((a) => a.state === 'firing').map((a) => a.alert),
        }));
      const answer: OverviewAnswer = {
        scope: { name: scope.name, teams: scope.teams },
        range: window,
        traffic: {
          requests,
          requestsPerSecond: requests / (hours * 3600),
          errorRatio: requests > 0 ? (v.errors ?? 0) / requests : null,
          ttftP99Us: v.p99_ttft_us ?? null,
          e2eP99Us: v.p99_e2e_us ?? null,
          outputTokens: v.sum_output_tokens ?? 0,
        },
        spend: {
          usagePerHourUsd: usageUsd / hours,
          idlePerHourUsd: scope.teams ? null : idleUsd / hours,
          totalPerHourUsd: usageUsd / hours + (scope.teams ? 0 : idleUsd / hours),
        },
        replicasReporting: scope.teams ? null : new Set(replicas.map((p) => p.group.replica)).size,
        slos,
        regressions,
      };
      return c.json(answer);
    },
  );
  return app;
}
