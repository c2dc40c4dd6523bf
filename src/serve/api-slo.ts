import { Hono } from 'hono';
import { z } from 'zod';
import type { SloStatus } from '../analyze/slo/evaluator.ts';
import type { Store } from '../store/store.ts';
import { apiError, autoStepUs, parse, range } from './api-params.ts';

/** What the SLO routes read: the live evaluator's latest status. */
export interface SloApiSource {
  status(): SloStatus[];
}

const historyQuery = z.object({
  from: z.string().default('24h'),
  to: z.string().default('now'),
});

/**
 * /api/slo (every SLO's status now), /api/slo/:name (one SLO with its history: burn rate per
 * window, budget and SLI over time, alert transitions with their evidence) and /api/alerts.
 */
export function sloRoutes(options: { store: Store; nowUs: () => number; source: SloApiSource | null }): Hono {
  const { store, nowUs, source } = options;
  const app = new Hono();
  app.onError((err, c) => {
    const { status, body } = apiError(err);
    return c.json(body, status);
  });

  app.get('/slo', (c) =>
    c.json({
      slos: source?.status() ?? [],
      ...(source ? {} : { note: 'no SLOs configured (slos: in the config)' }),
    }),
  );

  app.get('/slo/:name', async (c) => {
    const name = c.req.param('name');
    const status = source?.status().find((s) => s.slo === name);
    if (!status) return c.json({ error: `no evaluated SLO named "${name}"` }, 404);
    const query = parse(historyQuery, c.req.query());
    const r = range(query, nowUs());
    const stepUs = autoStepUs(r);
    const series = (metric: string, groupByLabels: string[] = []) =>
      store.queryMetric({
        name: metric,
        range: r,
        labels: { slo: name },
        groupByLabels,
        stepUs,
        aggregate: 'last',
      });
    const [burn, budget, sli, alerts] = await Promise.all([
      series('kubeburner.slo.burn_rate', ['window']),
      series('kubeburner.slo.error_budget_remaining'),
      series('kubeburner.slo.sli'),
      store.listEvents({
        range: r,
        kinds: ['slo_alert'],
        subjects: status.alerts.map((a) => `${name}/${a.alert}`),
        limit: 500,
      }),
    ]);
    const byWindow: Record<string, { t: number; v: number }[]> = {};
    for (const p of burn) (byWindow[p.labels?.window ?? ''] ??= []).push({ t: p.bucketStartUs, v: p.value });
    return c.json({
      status,
      history: {
        stepUs,
        burnRate: byWindow,
        budgetRemaining: budget.map((p) => ({ t: p.bucketStartUs, v: p.value })),
        sli: sli.map((p) => ({ t: p.bucketStartUs, v: p.value })),
      },
      alerts,
    });
  });

  app.get('/alerts', async (c) => {
    const query = parse(
      historyQuery.extend({
        from: z.string().default('7d'),
        slo: z.string().optional(),
        notifications: z.enum(['true', 'false']).default('false'),
        limit: z.coerce.number().int().min(1).max(10_000).default(200),
      }),
      c.req.query(),
    );
    const r = range(query, nowUs());
    // One SLO: its alert subjects are selected in the query, so the limit counts only its events.
    let subjects: string[] | undefined;
    if (query.slo) {
      const status = source?.status().find((st) => st.slo === query.slo);
      if (!status) return c.json({ error: `no evaluated SLO named "${query.slo}"` }, 404);
      subjects = status.alerts.map((a) => `${query.slo}/${a.alert}`);
    }
    const [alerts, notifications] = await Promise.all([
      store.listEvents({
        range: r,
        kinds: ['slo_alert'],
        ...(subjects ? { subjects } : {}),
        limit: query.limit,
      }),
      query.notifications === 'true'
        ? store.listEvents({ range: r, kinds: ['notification'], limit: query.limit })
        : Promise.resolve([]),
    ]);
    const events = [...alerts, ...notifications].sort((a, b) => b.timeUs - a.timeUs).slice(0, query.limit);
    return c.json({ events });
  });
  return app;
}
