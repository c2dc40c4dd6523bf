import { Hono } from 'hono';
import { z } from 'zod';
import { UnknownRecommendation, type RecommendationBook } from '../analyze/recommend/decisions.ts';
import { apiError, parse } from './api-params.ts';

const decision = z.object({ who: z.string().trim().min(1, 'say who decides') });

/**
 * /api/recommendations: list; one with its preview diff; POST …/apply, …/rollback, …/dismiss with
 * {"who": "…"} — the explicit, recorded decision. Nothing is applied any other way.
 */
export function recommendationRoutes(book: RecommendationBook | null): Hono {
  const app = new Hono();
  app.onError((err, c) => {
    if (err instanceof UnknownRecommendation) return c.json({ error: err.message }, 404);
    const { status, body } = apiError(err);
    return c.json(body, status);
  });
  const need = () => {
    if (!book) throw new RangeError('recommendations need recommendations.manifests_dir in the config');
    return book;
  };
  app.get('/recommendations', async (c) => c.json({ recommendations: await need().list() }));
  app.get('/recommendations/:id', async (c) => {
    const b = need();
    const record = await b.get(c.req.param('id'));
    const preview =
      record.state === 'proposed' || record.state === 'rolled_back'
        ? await b.preview(record.recommendation.id)
        : null;
    return c.json({ ...record, preview: preview ? { file: preview.file, diff: preview.diff } : null });
  });
  for (const verb of ['apply', 'rollback', 'dismiss'] as const)
    app.post(`/recommendations/:id/${verb}`, async (c) => {
      const body = parse(decision, await c.req.json().catch(() => ({})));
      return c.json(await need()[verb](c.req.param('id'), body.who));
    });
  return app;
}
