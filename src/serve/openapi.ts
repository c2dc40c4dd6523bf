import type { Env, Hono } from 'hono';
import { describeRoute, openAPIRouteHandler, validator } from 'hono-openapi';
import type { z } from 'zod';
import { BadRequest } from './api-params.ts';

/**
 * Routes describe themselves where they are declared (hono-openapi): the same zod schemas that
 * validate a query become its documented parameters, so the spec cannot drift from the code.
 */

const errorBody = {
  'application/json': {
    schema: {
      type: 'object' as const,
      properties: { error: { type: 'string' as const }, detail: { type: 'string' as const } },
      required: ['error'],
    },
  },
};

export type ApiTag =
  | 'requests'
  | 'latency'
  | 'slo'
  | 'cost'
  | 'engine'
  | 'capacity'
  | 'incidents'
  | 'recommendations'
  | 'system';

/** The OpenAPI description of one route: what it answers, and the errors every route shares. */
export function doc(
  tag: ApiTag,
  summary: string,
  options: { description?: string; csv?: boolean; fleet?: boolean; notFound?: string } = {},
) {
  const description = [
    options.description,
    options.fleet ? 'Covers the whole fleet: a token scoped to teams gets 403.' : null,
  ]
    .filter(Boolean)
    .join(' ');
  return describeRoute({
    tags: [tag],
    summary,
    ...(description ? { description } : {}),
    responses: {
      200: {
        description: options.csv ? 'JSON, or CSV with format=csv' : 'JSON',
        ...(options.csv ? { content: { 'text/csv': {} } } : {}),
      },
      400: { description: 'Bad query: says which parameter is wrong', content: errorBody },
      401: {
        description: 'API tokens are configured and none (or an unknown one) was sent',
        content: errorBody,
      },
      403: { description: 'The token is scoped to teams this call goes beyond', content: errorBody },
      ...(options.notFound ? { 404: { description: options.notFound, content: errorBody } } : {}),
    },
  });
}

/** A failed validation is a 400 naming each wrong field (through the app's error handler). */
function rejectInvalid(result: {
  success: boolean;
  error?: readonly { message: string; path?: readonly unknown[] }[];
}) {
  if (!result.success) throw new BadRequest(issuesText(result.error ?? []));
}

/** Validates and documents a route's query string. */
export function query<T extends z.ZodType>(schema: T) {
  return validator('query', schema, rejectInvalid);
}

/** Validates and documents a JSON body. */
export function jsonBody<T extends z.ZodType>(schema: T) {
  return validator('json', schema, rejectInvalid);
}

function issuesText(issues: readonly { message: string; path?: readonly unknown[] }[]): string {
  return issues
    .map((i) => {
      const path = (i.path ?? []).map((p) => (typeof p === 'object' && p && 'key' in p ? p.key : p));
      return `${path.map(String).join('.') || 'query'}: ${i.message}`;
    })
    .join('; ');
}

/** GET /api/openapi.json: the spec of every route on `app`. */
export function openApiDocument<E extends Env>(app: Hono<E>, version: string) {
  return openAPIRouteHandler(app, {
    documentation: {
      openapi: '3.1.0',
      info: {
        title: 'KubeBurner API',
        version,
        description:
          'Requests with their spans and costs, latency percentiles, SLOs, chargeback, engine views (KV cache, scheduler, GPUs), alerts and recommendations. Times are epoch microseconds unless a field says otherwise; money is USD.',
        license: { name: 'Apache-2.0' },
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
}
