import type { MiddlewareHandler } from 'hono';
import type { ApiTokenConfig } from '../config/schema.ts';
import { bearerToken, hashApiKey } from '../gateway/tenants.ts';
import type { RequestDimension } from '../store/store.ts';

/** Whose call this is: a token's name, and the teams it may see (null: every team). */
export interface TeamScope {
  name: string;
  teams: readonly string[] | null;
}

export type ApiEnv = { Variables: { scope: TeamScope } };

/** The caller may not see this (403): a scoped token asked for another team or a fleet view. */
export class Forbidden extends Error {}

const OPEN: TeamScope = { name: 'open', teams: null };

/**
 * Bearer-token authentication for the API. Tokens are looked up by their sha256, so no token text
 * is ever compared or kept. With no tokens configured the API is open (the demo, a laptop).
 */
export function tokenAuth(tokens: readonly ApiTokenConfig[]): MiddlewareHandler<ApiEnv> {
  const byHash = new Map(tokens.map((t) => [t.token_sha256, t]));
  return async (c, next) => {
    if (byHash.size === 0) {
      c.set('scope', OPEN);
      return next();
    }
    const token = bearerToken(c.req.header('authorization'));
    const found = token ? byHash.get(hashApiKey(token)) : undefined;
    if (!found) {
      c.header('www-authenticate', 'Bearer realm="kubeburner"');
      return c.json(
        {
          error: token
            ? 'unknown API token'
            : 'API token required: send Authorization: Bearer <token> (kubeburner token create)',
        },
        401,
      );
    }
    c.set('scope', { name: found.name, teams: found.teams ?? null });
    return next();
  };
}

/** Views over the whole fleet (GPUs, replicas, recommendations) need an unscoped token. */
export const fleetOnly: MiddlewareHandler<ApiEnv> = async (c, next) => {
  const scope = c.get('scope');
  if (scope.teams)
    throw new Forbidden(
      `token "${scope.name}" is scoped to teams ${scope.teams.join(', ')}; this view covers the whole fleet and needs a token without a team scope`,
    );
  return next();
};

export function canSeeTeam(scope: TeamScope, team: string | null | undefined): boolean {
  return scope.teams === null || (team !== null && team !== undefined && scope.teams.includes(team));
}

/**
 * A request filter narrowed to the scope's teams. Asking for a team outside the scope is refused
 * rather than silently emptied, so a wrong link says why it shows nothing.
 */
export function scopedWhere(
  scope: TeamScope,
  where: Partial<Record<RequestDimension, readonly string[]>>,
): Partial<Record<RequestDimension, readonly string[]>> {
  if (scope.teams === null) return where;
  const asked = where.team;
  if (asked && asked.length > 0) {
    const outside = asked.filter((t) => !scope.teams?.includes(t));
    if (outside.length > 0)
      throw new Forbidden(
        `token "${scope.name}" is scoped to teams ${scope.teams.join(', ')}; not ${outside.join(', ')}`,
      );
    return where;
  }
  return { ...where, team: scope.teams };
}
