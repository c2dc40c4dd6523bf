import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import type { Logger } from '../util/log.ts';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Store } from '../store/store.ts';
import type { ApiTokenConfig } from '../config/schema.ts';
import { apiError } from './api-params.ts';
import { fleetOnly, tokenAuth, type ApiEnv } from './auth.ts';
import { doc, openApiDocument } from './openapi.ts';
import { sloRoutes, type SloApiSource } from './api-slo.ts';
import { recommendationRoutes } from './api-recommendations.ts';
import { requestRoutes } from './api-requests.ts';
import { costRoutes } from './api-cost.ts';
import { engineRoutes } from './api-engine.ts';
import { overviewRoutes } from './api-overview.ts';
import { analysisRoutes } from './api-analysis.ts';
import type { RecommendationBook } from '../analyze/recommend/decisions.ts';
import { PriceBook } from '../analyze/cost/price-book.ts';
import { DEFAULT_FOCUS_IDENTITY, type FocusIdentity } from '../analyze/cost/focus-dataset.ts';
import { WEB_ROOT } from './web-root.ts';

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
  /** API tokens (server.tokens); none: the API is open. */
  tokens?: readonly ApiTokenConfig[];
  /** The built web UI to serve at / (default dist/web when it exists; null: none). */
  webRoot?: string | null;
  /** Where a bug (a 500) is logged; its details never go into the answer. */
  log?: Logger;
  /** Who bills whom in the FOCUS export (config `pricing.focus`; its defaults when absent). */
  focus?: FocusIdentity;
}

const VERSION = '0.1.0';

/** Paths anyone may read: liveness and the API's own description hold no data. */
const PUBLIC = new Set(['/api/health', '/api/openapi.json']);

/** The HTTP API over the store (JSON, OpenAPI at /api/openapi.json) and the web UI at /. */
export function createApi(options: ApiOptions): Hono<ApiEnv> {
  const { store, nowUs } = options;
  const prices = options.prices ?? new PriceBook('on_demand');
  const app = new Hono<ApiEnv>();
  app.onError((err, c) => {
    const { status, body } = apiError(err);
    if (status === 500) options.log?.error({ err, path: c.req.path }, 'API request failed');
    return c.json(body, status);
  });
  // The UI's Apply and Roll back buttons must not be clickable from inside another site's frame.
  app.use(
    '*',
    secureHeaders({ xFrameOptions: 'DENY', contentSecurityPolicy: { frameAncestors: ["'none'"] } }),
  );
  app.use('*', async (c, next) => {
    // A NUL in a query parameter is no name, time or filter anyone means (and no SQL should see it).
    if (c.req.url.includes('%00') || c.req.url.includes('\u0000'))
      return c.json({ error: 'query parameters may not contain NUL characters' }, 400);
    return next();
  });
  const auth = tokenAuth(options.tokens ?? []);
  app.use('/api/*', async (c, next) => (PUBLIC.has(c.req.path) ? next() : auth(c, next)));
  app.use('/metrics', auth);

  app.get('/api/health', doc('system', 'Liveness (no token needed)'), (c) =>
    c.json({ status: 'ok', backend: store.backend }),
  );
  app.get('/api/whoami', doc('system', 'The calling token’s name and team scope'), (c) =>
    c.json(c.get('scope')),
  );
  const metrics = options.metrics;
  if (metrics) {
    app.get('/metrics', fleetOnly, async (c) =>
      c.body(await metrics(), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }),
    );
  }
  app.get('/api/stats', doc('system', 'Rows stored per table', { fleet: true }), fleetOnly, async (c) =>
    c.json(await store.stats()),
  );
  app.route('/api', overviewRoutes({ store, nowUs, slo: options.slo ?? null }));
  app.route('/api', requestRoutes({ store, nowUs }));
  app.route('/api', costRoutes({ store, nowUs, focus: options.focus ?? DEFAULT_FOCUS_IDENTITY }));
  app.route('/api', engineRoutes({ store, nowUs, prices }));
  app.route('/api', analysisRoutes({ store, nowUs }));
  app.route('/api', sloRoutes({ store, nowUs, source: options.slo ?? null }));
  app.route('/api', recommendationRoutes(options.recommendations ?? null));
  for (const [name, read] of Object.entries(options.extras ?? {}))
    app.get(`/api/${name}`, doc('system', `${name} (status document)`, { fleet: true }), fleetOnly, (c) =>
      c.json(read() as object),
    );
  app.get('/api/openapi.json', openApiDocument(app, VERSION));
  app.all('/api/*', (c) => c.json({ error: `no API route ${c.req.method} ${c.req.path}` }, 404));

  const webRoot = options.webRoot === undefined ? (existsSync(WEB_ROOT) ? WEB_ROOT : null) : options.webRoot;
  if (webRoot) {
    // serveStatic resolves against the working directory.
    const root = relative(process.cwd(), webRoot) || '.';
    app.use('/assets/*', serveStatic({ root }));
    app.get('/favicon.svg', serveStatic({ root }));
    // Every other page is the single-page app; its router reads the path and query.
    app.get('*', serveStatic({ root, path: 'index.html' }));
  } else {
    app.get('/', (c) =>
      c.text(
        'KubeBurner API: the web UI is not built (npm run build:web). API description: /api/openapi.json\n',
      ),
    );
  }
  return app;
}
