import { Hono } from 'hono';
import { z } from 'zod';
import { bandLatencies } from '../analyze/slo/band-latency.ts';
import type { SloStatus } from '../analyze/slo/evaluator.ts';
import type { SloSpec } from '../analyze/slo/spec.ts';
import type { AlertReport } from '../analyze/slo/alert-evidence.ts';
import type { OpsEvent } from '../model/ops-event.ts';
import type { Store } from '../store/store.ts';
import { autoStepUs, range } from './api-params.ts';
import { canSeeTeam, type ApiEnv, type TeamScope } from './auth.ts';
import { doc, query } from './openapi.ts';

/** What the SLO routes read: the live evaluator's SLOs and their latest status. */
export interface SloApiSource {
  readonly specs: readonly SloSpec[];
  status(): SloStatus[];
}

const historyQuery = z.object({
  from: z.string().default('24h'),
  to: z.string().default('now'),
});

/** An alert from firing to resolution (or still open), with the evidence it fired with. */
export interface Incident {
  slo: string;
  alert: string;
  startedUs: number;
  resolvedUs: number | null;
  severity: string | null;
  /** The alert's report when it fired: root cause, bands, replicas, dollar impact, proposals. */
  report: AlertReport | null;
  status: Record<string, unknown>;
}

/** A scoped token sees an SLO only when the SLO selects one of its teams. */
export function sloVisible(scope: TeamScope, slo: SloStatus): boolean {
  return canSeeTeam(scope, slo.selector.team);
}

/** Pairs each firing transition with the next resolution of the same alert, newest first. */
export function incidentsFrom(events: readonly OpsEvent[]): Incident[] {
  const open = new Map<string, Incident>();
  const out: Incident[] = [];
  for (const e of [...events].sort((a, b) => a.timeUs - b.timeUs)) {
    if (e.state === 'firing') {
      const [slo = '', alert = ''] = e.subject.split('/');
      const { report = null, ...status } = e.body as { report?: AlertReport | null } & Record<
        string,
        unknown
      >;
      const incident: Incident = {
        slo,
        alert,
        startedUs: e.timeUs,
        resolvedUs: null,
        severity: typeof status.severity === 'string' ? status.severity : null,
        report,
        status,
      };
      open.set(e.subject, incident);
      out.push(incident);
    } else if (e.state === 'resolved') {
      const incident = open.get(e.subject);
      if (incident) incident.resolvedUs = e.timeUs;
      open.delete(e.subject);
    }
  }
  return out.reverse();
}

/**
 * /api/slo (every SLO's status now), /api/slo/:name (one SLO with its history: burn rate per
 * window, budget and SLI over time, alert transitions with their evidence), /api/alerts and
 * /api/incidents.
 */
export function sloRoutes(options: {
  store: Store;
  nowUs: () => number;
  source: SloApiSource | null;
}): Hono<ApiEnv> {
  const { store, nowUs, source } = options;
  const app = new Hono<ApiEnv>();
  const statuses = (scope: TeamScope) => (source?.status() ?? []).filter((s) => sloVisible(scope, s));

  app.get(
    '/slo',
    doc('slo', 'Every SLO now: SLI, budget remaining, burn rate per window, bands, alert states'),
    (c) =>
      c.json({
        slos: statuses(c.get('scope')),
        ...(source ? {} : { note: 'no SLOs configured (slos: in the config)' }),
      }),
  );

  app.get(
    '/slo/:name',
    doc(
      'slo',
      'One SLO with its history: burn rate per window, budget and SLI over time, alert transitions, latency percentiles per band',
      {
        notFound: 'No evaluated SLO of that name (or not one of the token’s teams)',
      },
    ),
    query(historyQuery),
    async (c) => {
      const name = c.req.param('name');
      const status = statuses(c.get('scope')).find((s) => s.slo === name);
      if (!status) return c.json({ error: `no evaluated SLO named "${name}"` }, 404);
      const r = range(c.req.valid('query'), nowUs());
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
      const spec = source?.specs.find((s) => s.name === name);
      const [burn, budget, sli, alerts, bandLatency] = await Promise.all([
        series('kubeburner.slo.burn_rate', ['window']),
        series('kubeburner.slo.error_budget_remaining'),
        series('kubeburner.slo.sli'),
        store.listEvents({
          range: r,
          kinds: ['slo_alert'],
          subjects: status.alerts.map((a) => `${name}/${a.alert}`),
          limit: 500,
        }),
        spec ? bandLatencies(store, spec, r) : [],
      ]);
      const byWindow: Record<string, { t: number; v: number }[]> = {};
      for (const p of burn)
        (byWindow[p.labels?.window ?? ''] ??= []).push({ t: p.bucketStartUs, v: p.value });
      return c.json({
        status,
        history: {
          stepUs,
          burnRate: byWindow,
          budgetRemaining: budget.map((p) => ({ t: p.bucketStartUs, v: p.value })),
          sli: sli.map((p) => ({ t: p.bucketStartUs, v: p.value })),
        },
        alerts,
        /** Latency SLOs: p50/p90/p99 per band over the range, beside each band's threshold. */
        bandLatency,
      });
    },
  );

  /** The alert subjects a scope may read (every subject, for an unscoped token). */
  const subjectsFor = (scope: TeamScope, slo?: string): string[] | undefined => {
    if (scope.teams === null && !slo) return undefined;
    return statuses(scope)
      .filter((s) => !slo || s.slo === slo)
      .flatMap((s) => s.alerts.map((a) => `${s.slo}/${a.alert}`));
  };

  app.get(
    '/alerts',
    doc('incidents', 'Alert transitions (pending, firing, resolved) with their evidence, newest first', {
      notFound: 'No evaluated SLO of that name',
    }),
    query(
      historyQuery.extend({
        from: z.string().default('7d'),
        slo: z.string().optional(),
        notifications: z.enum(['true', 'false']).default('false'),
        limit: z.coerce.number().int().min(1).max(10_000).default(200),
      }),
    ),
    async (c) => {
      const q = c.req.valid('query');
      const scope = c.get('scope');
      const r = range(q, nowUs());
      if (q.slo && !statuses(scope).some((s) => s.slo === q.slo))
        return c.json({ error: `no evaluated SLO named "${q.slo}"` }, 404);
      // Subjects are selected in the query, so the limit counts only the events asked for.
      const subjects = subjectsFor(scope, q.slo);
      const [alerts, notifications] = await Promise.all([
        subjects?.length === 0
          ? Promise.resolve([])
          : store.listEvents({
              range: r,
              kinds: ['slo_alert'],
              ...(subjects ? { subjects } : {}),
              limit: q.limit,
            }),
        q.notifications === 'true' && scope.teams === null
          ? store.listEvents({ range: r, kinds: ['notification'], limit: q.limit })
          : Promise.resolve([]),
      ]);
      const events = [...alerts, ...notifications].sort((a, b) => b.timeUs - a.timeUs).slice(0, q.limit);
      return c.json({ events });
    },
  );

  app.get(
    '/incidents',
    doc(
      'incidents',
      'Incidents: each firing alert until it resolved, with root cause, evidence and dollar impact',
    ),
    query(historyQuery.extend({ from: z.string().default('7d') })),
    async (c) => {
      const scope = c.get('scope');
      const subjects = subjectsFor(scope);
      const events =
        subjects?.length === 0
          ? []
          : await store.listEvents({
              range: range(c.req.valid('query'), nowUs()),
              kinds: ['slo_alert'],
              ...(subjects ? { subjects } : {}),
              limit: 5000,
            });
      return c.json({ incidents: incidentsFrom(events) });
    },
  );
  return app;
}
