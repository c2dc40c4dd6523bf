import { Pool } from 'undici';
import type { MetricSample } from '../model/metric-sample.ts';

export interface UpstreamSpec {
  name: string;
  url: string;
  models: readonly string[];
  replica?: string;
  /** Send the tenant's priority class as the body's numeric `priority` (vLLM priority scheduling). */
  priority_field?: boolean;
}

/** One engine replica behind the gateway, with what the gateway knows of its load and health. */
export class Upstream {
  readonly pool: Pool;
  readonly replica: string;
  readonly origin: string;
  readonly basePath: string;
  outstandingRequests = 0;
  outstandingTokens = 0;
  consecutiveFailures = 0;
  ejectedUntilMs = 0;
  served = 0;
  failures = 0;

  constructor(readonly spec: UpstreamSpec) {
    const url = new URL(spec.url);
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/$/, '');
    this.replica = spec.replica ?? spec.name;
    // Keep-alive connections, many streams per upstream; no pipelining (a slow stream would block).
    this.pool = new Pool(this.origin, { connections: 512, pipelining: 1, keepAliveTimeout: 30_000 });
  }

  get name(): string {
    return this.spec.name;
  }

  serves(model: string | null): boolean {
    return model === null || this.spec.models.includes(model);
  }

  healthy(nowMs: number): boolean {
    return nowMs >= this.ejectedUntilMs;
  }

  /** A failed request or health check; enough in a row eject the replica for a while. */
  recordFailure(nowMs: number, ejectAfter: number, ejectForMs: number): void {
    this.failures++;
    this.consecutiveFailures++;
    if (this.consecutiveFailures >= ejectAfter) this.ejectedUntilMs = nowMs + ejectForMs;
  }

  recordSuccess(): void {
    this.consecutiveFailures = 0;
    this.ejectedUntilMs = 0;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** The latest queue depth and KV-cache usage per replica, from the collector's scraped samples. */
export class EngineSignals {
  private readonly latest = new Map<
    string,
    { waiting: number | null; kvUsage: number | null; atMs: number }
  >();

  constructor(private readonly maxAgeMs = 30_000) {}

  observe(samples: readonly MetricSample[]): void {
    for (const s of samples) {
      if (s.name !== 'llm.requests.waiting' && s.name !== 'llm.kv_cache.usage') continue;
      const entry = this.latest.get(s.replica) ?? { waiting: null, kvUsage: null, atMs: 0 };
      if (s.name === 'llm.requests.waiting') entry.waiting = s.value;
      else entry.kvUsage = s.value;
      entry.atMs = Math.max(entry.atMs, s.timeMs);
      this.latest.set(s.replica, entry);
    }
  }

  /** Null when unknown or stale (the replica is not scraped, or the scrape stopped). */
  get(replica: string, nowMs: number): { waiting: number | null; kvUsage: number | null } | null {
    const entry = this.latest.get(replica);
    return entry && nowMs - entry.atMs <= this.maxAgeMs ? entry : null;
  }
}
