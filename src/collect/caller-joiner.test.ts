import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeRequest } from '../model/request.ts';
import type { CallerSpan } from '../normalize/caller-span.ts';
import type { RequestRecord } from '../normalize/merge-gateway.ts';
import { CallerJoiner } from './caller-joiner.ts';
import { RecordSink } from '../../test/support/record-sink.ts';

const T = 'a'.repeat(32);

const engine = (
  id: string,
  traceId: string | null,
  arrivalUs = 1_000,
  finishedUs = 2_000,
): RequestRecord => ({
  request: makeRequest({ requestId: id, traceId, arrivalUs, finishedUs, promptTokens: 0, outputTokens: 0 }),
  spans: [],
});

const caller = (spanId: string, startUs: number, endUs: number, tenant = 'search-web'): CallerSpan => ({
  traceId: T,
  spanId,
  tenant,
  team: 'search',
  service: tenant,
  operation: 'chat',
  startUs,
  endUs,
  inputTokens: 900,
  outputTokens: 120,
});

describe('caller joiner', () => {
  it('holds an engine record until its app’s span says who called, then stores it with tenant, team and tokens', () => {
    const sink = new RecordSink();
    const joiner = new CallerJoiner(sink, { awaitCallers: true });
    assert.ok(joiner.offerRequests([engine('e1', T)]));
    assert.equal(sink.stored.length, 0, 'waits for the caller');
    assert.equal(joiner.held, 1);
    joiner.offerCallers([caller('c1', 500, 2_500)]);
    const [stored] = sink.stored;
    assert.equal(stored?.request.tenant, 'search-web');
    assert.equal(stored?.request.team, 'search');
    assert.equal(stored?.request.promptTokens, 900, 'usage from the API answer where the engine had none');
    assert.equal(stored?.request.outputTokens, 120);
    assert.equal(stored?.request.attributes['caller.duration_us'], '2000');
    assert.equal(joiner.joined, 1);
    assert.equal(joiner.held, 0);
  });

  it('gives each call of an agent’s trace the caller span that encloses it', () => {
    const sink = new RecordSink();
    const joiner = new CallerJoiner(sink);
    joiner.offerCallers([caller('plan', 0, 10_000, 'planner'), caller('act', 20_000, 30_000, 'actor')]);
    assert.ok(joiner.offerRequests([engine('first', T, 1_000, 9_000), engine('second', T, 21_000, 29_000)]));
    assert.deepEqual(
      sink.stored.map((r) => [r.request.requestId, r.request.tenant, r.request.attributes['caller.span_id']]),
      [
        ['first', 'planner', 'plan'],
        ['second', 'actor', 'act'],
      ],
    );
  });

  it('lets records through before any caller has been seen, and always those that name a tenant', () => {
    const sink = new RecordSink();
    const joiner = new CallerJoiner(sink);
    assert.ok(joiner.offerRequests([engine('e1', T)]));
    assert.equal(sink.stored.length, 1, 'no app sends caller spans: nothing waits');
    joiner.offerCallers([caller('c1', 0, 1, 'other')].map((c) => ({ ...c, traceId: 'b'.repeat(32) })));
    const gateway = engine('gw', 'c'.repeat(32));
    gateway.request.tenant = 'acme';
    assert.ok(joiner.offerRequests([gateway, engine('untraced', null)]));
    assert.deepEqual(
      sink.stored.map((r) => r.request.requestId),
      ['e1', 'gw', 'untraced'],
    );
  });

  it('stores a record alone when no caller comes within the hold, and keeps it while the sink is full', () => {
    let now = 0;
    const sink = new RecordSink();
    const joiner = new CallerJoiner(sink, { awaitCallers: true, holdMs: 1_000, nowMs: () => now });
    joiner.offerRequests([engine('e1', T)]);
    now = 500;
    joiner.sweep();
    assert.equal(sink.stored.length, 0);
    now = 1_500;
    sink.full = true;
    joiner.sweep();
    assert.equal(joiner.held, 1, 'kept while the sink is full');
    sink.full = false;
    joiner.sweep();
    assert.equal(sink.stored[0]?.request.tenant, 'unknown');
    assert.equal(joiner.unjoined, 1);
  });

  it('refuses a batch the sink refuses, holding nothing of it', () => {
    const sink = new RecordSink();
    const joiner = new CallerJoiner(sink, { awaitCallers: true });
    joiner.offerCallers([caller('c1', 0, 5_000)]);
    sink.full = true;
    assert.equal(joiner.offerRequests([engine('e1', T), engine('e2', 'd'.repeat(32))]), false);
    assert.equal(joiner.held, 0);
    sink.full = false;
    assert.ok(joiner.offerRequests([engine('e1', T)]));
    assert.equal(sink.stored[0]?.request.tenant, 'search-web');
  });

  it('pushes back once its hold is full and the sink is full too, holding no more than the limit', () => {
    const sink = new RecordSink();
    const joiner = new CallerJoiner(sink, { awaitCallers: true, maxHeld: 100 });
    sink.full = true; // the store is failing: nothing can be released
    let refused = 0;
    for (let i = 0; i < 1000; i++) {
      const traceId = i.toString(16).padStart(32, '0');
      if (!joiner.offerRequests([engine(`e${i}`, traceId)])) refused++;
    }
    assert.equal(joiner.held, 100);
    assert.equal(refused, 900);
    // The store is back: the oldest make room for new ones.
    sink.full = false;
    assert.ok(joiner.offerRequests([engine('late', 'f'.repeat(32))]));
    assert.equal(joiner.held, 100);
    assert.equal(sink.stored[0]?.request.requestId, 'e0');
  });

  it('stores what still waits when it stops', () => {
    const sink = new RecordSink();
    const joiner = new CallerJoiner(sink, { awaitCallers: true });
    joiner.offerRequests([engine('e1', T), engine('e2', T)]);
    joiner.stop();
    assert.equal(sink.stored.length, 2);
  });
});
