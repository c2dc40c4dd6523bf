import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Router, SCORERS, type RouteContext, type ScorerName } from './router.ts';
import { replicaSample } from '../../test/support/samples.ts';
import { EngineSignals, Upstream } from './upstreams.ts';

const upstreams = ['a', 'b', 'c'].map(
  (name) => new Upstream({ name, url: `http://127.0.0.1:1/${name}`, models: ['m'] }),
);
const only = (scorer: ScorerName, weight = 1) =>
  Object.fromEntries(SCORERS.map((s) => [s, s === scorer ? weight : 0])) as Record<ScorerName, number>;
const ctx = (fields: Partial<RouteContext> = {}): RouteContext => ({
  model: 'm',
  prefixHashes: [],
  sessionId: null,
  estimatedTokens: 100,
  exclude: new Set(),
  ...fields,
});
const NOW = 1_000_000;

describe('router scorers', () => {
  after(() => Promise.all(upstreams.map((u) => u.close())));

  it('least outstanding tokens: the replica with the fewest tokens in flight', () => {
    const [a, b, c] = upstreams as [Upstream, Upstream, Upstream];
    a.outstandingTokens = 5000;
    b.outstandingTokens = 200;
    c.outstandingTokens = 3000;
    const decision = new Router(upstreams, only('least_outstanding_tokens'), null, () => NOW).route(ctx());
    assert.equal(decision?.chosen.name, 'b');
    assert.equal(decision?.candidates.find((x) => x.upstream === 'a')?.scores.least_outstanding_tokens, 0);
    for (const u of upstreams) u.outstandingTokens = 0;
  });

  it('queue depth and KV usage from scraped engine metrics; unknown counts as middling', () => {
    const signals = new EngineSignals();
    const sample = (replica: string, name: string, value: number) => replicaSample(replica, name, value, NOW);
    signals.observe([
      sample('a', 'llm.requests.waiting', 12),
      sample('b', 'llm.requests.waiting', 3),
      sample('a', 'llm.kv_cache.usage', 0.2),
      sample('b', 'llm.kv_cache.usage', 0.95),
    ]);
    const queue = new Router(upstreams, only('queue_depth'), signals, () => NOW).route(ctx());
    assert.equal(queue?.chosen.name, 'b');
    assert.equal(queue?.candidates.find((x) => x.upstream === 'c')?.scores.queue_depth, 0.5);
    const kv = new Router(upstreams, only('kv_cache'), signals, () => NOW).route(ctx());
    assert.equal(kv?.chosen.name, 'a');
    assert.ok(Math.abs((kv?.candidates.find((x) => x.upstream === 'b')?.scores.kv_cache ?? 0) - 0.05) < 1e-9);
    // Stale signals are ignored.
    const later = new Router(upstreams, only('queue_depth'), signals, () => NOW + 60_000).route(ctx());
    assert.ok(later?.candidates.every((x) => x.scores.queue_depth === 0.5));
  });

  it('prefix affinity: a prompt sharing leading blocks goes where they went before', () => {
    const router = new Router(
      upstreams,
      { ...only('prefix_affinity', 2), least_outstanding_tokens: 0.1 },
      null,
      () => NOW,
    );
    const first = router.route(ctx({ prefixHashes: ['h1', 'h2', 'h3', 'h4'] }));
    const owner = first?.chosen.name;
    const next = router.route(ctx({ prefixHashes: ['h1', 'h2', 'x3', 'x4'] }));
    assert.equal(next?.chosen.name, owner);
    assert.equal(next?.candidates.find((c) => c.upstream === owner)?.scores.prefix_affinity, 0.5);
    // Routing it recorded its blocks too: the same prompt now matches in full.
    const again = router.route(ctx({ prefixHashes: ['h1', 'h2', 'x3', 'x4'] }));
    assert.equal(again?.candidates.find((c) => c.upstream === owner)?.scores.prefix_affinity, 1);
    const unrelated = router.route(ctx({ prefixHashes: ['z1', 'z2'] }));
    assert.ok(unrelated?.candidates.every((c) => c.scores.prefix_affinity === 0));
  });

  it('session affinity: the same session stays on its replica', () => {
    const router = new Router(upstreams, only('session_affinity'), null, () => NOW);
    const first = router.route(ctx({ sessionId: 'user-7' }))?.chosen.name;
    for (let i = 0; i < 5; i++) assert.equal(router.route(ctx({ sessionId: 'user-7' }))?.chosen.name, first);
  });

  it('ties go round-robin; excluded, ejected and other models’ replicas are not candidates', () => {
    const router = new Router(upstreams, only('least_outstanding_tokens', 0), null, () => NOW);
    const picks = Array.from({ length: 6 }, () => router.route(ctx())?.chosen.name);
    assert.deepEqual(new Set(picks), new Set(['a', 'b', 'c']));
    (upstreams[1] as Upstream).ejectedUntilMs = NOW + 1000;
    const decision = router.route(ctx({ exclude: new Set(['a']) }));
    assert.deepEqual(
      decision?.candidates.map((c) => c.upstream),
      ['c'],
    );
    (upstreams[1] as Upstream).ejectedUntilMs = 0;
    assert.equal(router.route(ctx({ model: 'other' })), null);
  });

  it('ejects a replica after consecutive failures, for a while', () => {
    const u = upstreams[2] as Upstream;
    u.recordFailure(NOW, 2, 30_000);
    assert.ok(u.healthy(NOW));
    u.recordFailure(NOW, 2, 30_000);
    assert.ok(!u.healthy(NOW + 1));
    assert.ok(u.healthy(NOW + 30_000));
    u.recordSuccess();
  });
});
