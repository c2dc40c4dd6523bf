import type { EngineSignals, Upstream } from './upstreams.ts';

export const SCORERS = [
  'least_outstanding_tokens',
  'queue_depth',
  'kv_cache',
  'prefix_affinity',
  'session_affinity',
] as const;
export type ScorerName = (typeof SCORERS)[number];

export interface RouteContext {
  model: string | null;
  /** Chained hashes of the prompt's leading blocks (prefix.ts). */
  prefixHashes: readonly string[];
  sessionId: string | null;
  estimatedTokens: number;
  /** Replicas already tried for this request (a retry goes elsewhere). */
  exclude: ReadonlySet<string>;
}

export interface ScoredCandidate {
  upstream: string;
  total: number;
  scores: Record<ScorerName, number>;
}

/** An explainable routing decision: every candidate with each scorer's score. */
export interface RouteDecision {
  chosen: Upstream;
  candidates: ScoredCandidate[];
}

/** A bounded map that forgets the least recently used entry. */
class LruMap<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly capacity: number) {}
  get(key: string): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }
  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as string);
  }
}

/**
 * Picks an upstream for a request by a weighted sum of scorers, each in [0, 1]:
 *  - least_outstanding_tokens: fewer tokens in flight through this gateway is better;
 *  - queue_depth, kv_cache: the engine's own waiting queue and KV usage from scraped metrics
 *    (0.5 when unknown, so an unscraped replica is neither favoured nor shunned);
 *  - prefix_affinity: the share of the prompt's leading blocks last sent to this replica (its
 *    prefix cache likely holds them);
 *  - session_affinity: 1 for the replica that served this session before.
 * Ties go round-robin. Only healthy replicas serving the model and not yet tried are candidates.
 */
export class Router {
  private readonly prefixOwner = new LruMap<string>(200_000);
  private readonly sessionOwner = new LruMap<string>(100_000);
  private turn = 0;

  constructor(
    private readonly upstreams: readonly Upstream[],
    private readonly weights: Record<ScorerName, number>,
    private readonly signals: EngineSignals | null,
    private readonly nowMs: () => number = Date.now,
  ) {}

  route(ctx: RouteContext): RouteDecision | null {
    const now = this.nowMs();
    const candidates = this.upstreams.filter(
      (u) => u.serves(ctx.model) && u.healthy(now) && !ctx.exclude.has(u.name),
    );
    if (candidates.length === 0) return null;
    const maxTokens = Math.max(...candidates.map((u) => u.outstandingTokens));
    const engine = candidates.map((u) => this.signals?.get(u.replica, now) ?? null);
    const maxWaiting = Math.max(0, ...engine.map((e) => e?.waiting ?? 0));
    const prefixMatch = this.prefixMatches(ctx.prefixHashes);
    const session = ctx.sessionId ? this.sessionOwner.get(ctx.sessionId) : undefined;

    const scored = candidates.map((u, i): ScoredCandidate => {
      const e = engine[i];
      const scores: Record<ScorerName, number> = {
        least_outstanding_tokens: maxTokens > 0 ? 1 - u.outstandingTokens / maxTokens : 1,
        queue_depth: e?.waiting == null ? 0.5 : maxWaiting > 0 ? 1 - e.waiting / maxWaiting : 1,
        kv_cache: e?.kvUsage == null ? 0.5 : 1 - Math.min(1, Math.max(0, e.kvUsage)),
        prefix_affinity: prefixMatch.get(u.name) ?? 0,
        session_affinity: session === u.name ? 1 : 0,
      };
      let total = 0;
      for (const name of SCORERS) total += this.weights[name] * scores[name];
      return { upstream: u.name, total, scores };
    });
    const start = this.turn++ % candidates.length;
    let best = start;
    for (let k = 1; k < candidates.length; k++) {
      const i = (start + k) % candidates.length;
      if ((scored[i] as ScoredCandidate).total > (scored[best] as ScoredCandidate).total + 1e-12) best = i;
    }
    const chosen = candidates[best] as Upstream;
    for (const hash of ctx.prefixHashes) this.prefixOwner.set(hash, chosen.name);
    if (ctx.sessionId) this.sessionOwner.set(ctx.sessionId, chosen.name);
    return { chosen, candidates: scored };
  }

  /** Replica → share of the leading blocks it was last sent (longest chain wins). */
  private prefixMatches(hashes: readonly string[]): Map<string, number> {
    const out = new Map<string, number>();
    for (let i = hashes.length - 1; i >= 0; i--) {
      const owner = this.prefixOwner.get(hashes[i] as string);
      if (owner !== undefined && !out.has(owner)) out.set(owner, (i + 1) / hashes.length);
    }
    return out;
  }
}
