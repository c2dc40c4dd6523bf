import { Hono } from 'hono';
import { z } from 'zod';
import { UnknownRecommendation, type RecommendationBook } from '../analyze/recommend/decisions.ts';
import { apiError } from './api-params.ts';
import { fleetOnly, type ApiEnv } from './auth.ts';
import { doc, jsonBody } from './openapi.ts';

const decision = z.object({
  who: z.string().trim().min(1, 'say who decides').max(200, 'a name, at most 200 characters'),
});

/**
 * /api/recommendations: list; one with its preview diff; POST …/apply, …/rollback, …/dismiss with
 * {"who": "…"} — the explicit, recorded decision. Nothing is applied any other way. Changes to the
 * fleet's manifests are for unscoped tokens only.
 */
export function recommendationRoutes(book: RecommendationBook | null): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const need = () => {
    if (!book) throw new RangeError('recommendations need recommendations.manifests_dir in the config');
    return book;
  };
  app.onError((err, c) => {
    if (err instanceof UnknownRecommendation) return c.json({ error: err.message }, 404);
    const { status, body } = apiError(err);
    return c.json(body, status);
  });
  app.get(
    '/recommendations',
    doc(
      'recommendations',
      'Recommended changes with their state (proposed, applied, rolled back, dismissed)',
      {
        fleet: true,
      },
    ),
    fleetOnly,
    async (c) => c.json({ recommendations: await need().list() }),
  );
  app.get(
    '/recommendations/:id',
    doc(
      'recommendations',
      'One recommendation with its evidence, decisions and a preview diff of the manifest',
      {
        fleet: true,
        notFound: 'No such recommendation',
      },
    ),
    fleetOnly,
    async (c) => {
      const b = need();
      const record = await b.get(c.req.param('id'));
      const preview =
        record.state === 'proposed' || record.state === 'rolled_back'
          ? await b.preview(record.recommendation.id)
          : null;
      return c.json({ ...record, preview: preview ? { file: preview.file, diff: preview.diff } : null });
    },
  );
  for (const verb of ['apply', 'rollback', 'dismiss'] as const)
    app.post(
      `/recommendations/:id/${verb}`,
      doc(
        'recommendations',
        `${verb[0]?.toUpperCase()}${verb.slice(1)} a recommendation: an explicit, recorded decision`,
        {
          fleet: true,
          notFound: 'No such recommendation',
        },
      ),
      fleetOnly,
      jsonBody(decision),
      async (c) => {
        // With API tokens, the record says which token made the call, whatever name it gives.
        const { name } = c.get('scope');
        const who = c.req.valid('json').who;
        return c.json(
          await need()[verb](c.req.param('id'), name === 'open' ? who : `${who} (token ${name})`),
        );
      },
    );
  return app;
}
