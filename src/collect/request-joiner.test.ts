import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeRequest } from '../model/request.ts';
import type { RequestRecord } from '../normalize/merge-gateway.ts';
import { RequestJoiner } from './request-joiner.ts';
import { RecordSink } from '../../test/support/record-sink.ts';

const T = 'a'.repeat(32);
const record = (id: string, traceId: string | null, source: string): RequestRecord => ({
  request: makeRequest({
    requestId: id,
    arrivalUs: 1,
    traceId,
    tenant: source === 'gateway' ? 'acme' : 'unknown',
    attributes: { source },
  }),
  spans: [],
});

describe('request joiner', () => {
  it('passes engine records of traces the gateway never forwarded straight through', () => {
    const sink = new RecordSink();
    const joiner = new RequestJoiner(sink);
    assert.ok(joiner.offerRequests([record('e1', T, 'engine'), record('e2', null, 'engine')]));
    assert.equal(sink.stored.length, 2);
    assert.equal(joiner.waiting, 0);
  });

  it('joins in either order', () => {
    for (const gatewayFirst of [true, false]) {
      const sink = new RecordSink();
      const joiner = new RequestJoiner(sink);
      joiner.expect(T);
      if (gatewayFirst) joiner.offerGateway(record('gw-1', T, 'gateway'));
      else joiner.offerRequests([record('e1', T, 'engine')]);
      assert.equal(sink.stored.length, 0, 'held for its partner');
      if (gatewayFirst) joiner.offerRequests([record('e1', T, 'engine')]);
      else joiner.offerGateway(record('gw-1', T, 'gateway'));
      assert.equal(sink.stored.length, 1);
      assert.equal(sink.stored[0]?.request.requestId, 'e1');
      assert.equal(sink.stored[0]?.request.tenant, 'acme');
      assert.equal(sink.stored[0]?.request.attributes.source, 'gateway+engine');
      assert.equal(joiner.joined, 1);
    }
  });

  it('stores a record alone when its partner does not come in time, and never loses one to a full sink', () => {
    let now = 0;
    const sink = new RecordSink();
    const joiner = new RequestJoiner(sink, { holdMs: 1000, nowMs: () => now });
    joiner.expect(T);
    joiner.offerGateway(record('gw-1', T, 'gateway'));
    now = 500;
    joiner.sweep();
    assert.equal(sink.stored.length, 0);
    now = 2000;
    sink.full = true;
    joiner.sweep();
    assert.equal(joiner.waiting, 1, 'kept while the sink is full');
    sink.full = false;
    joiner.sweep();
    assert.deepEqual(
      sink.stored.map((r) => r.request.requestId),
      ['gw-1'],
    );
    assert.equal(joiner.unjoined, 1);
  });

  it('reports the gateway records stored without an engine partner, once each, and no joined one', () => {
    let now = 0;
    const alone: string[] = [];
    const joiner = new RequestJoiner(new RecordSink(), {
      holdMs: 1000,
      nowMs: () => now,
      onGatewayAlone: (records) => alone.push(...records.map((r) => r.request.requestId)),
    });
    const U = 'b'.repeat(32);
    joiner.expect(T);
    joiner.offerGateway(record('joined', T, 'gateway'));
    joiner.offerRequests([record('e1', T, 'engine')]);
    joiner.expect(U);
    joiner.offerGateway(record('traceless-engine', U, 'gateway'));
    joiner.offerGateway(record('no-trace-id', null, 'gateway'));
    now = 2000;
    joiner.sweep();
    joiner.sweep();
    assert.deepEqual(alone.sort(), ['no-trace-id', 'traceless-engine']);
  });

  it('refuses engine records all or nothing when the sink is full', () => {
    const sink = new RecordSink();
    const joiner = new RequestJoiner(sink);
    sink.full = true;
    assert.equal(joiner.offerRequests([record('e1', null, 'engine')]), false);
    sink.full = false;
    assert.ok(joiner.offerRequests([record('e1', null, 'engine')]));
    assert.equal(sink.stored.length, 1);
  });
});
