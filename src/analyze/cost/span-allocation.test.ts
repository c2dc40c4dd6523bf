import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeRequest } from '../../model/request.ts';
import type { Span, SpanKind } from '../../model/span.ts';
import { allocateSpanCosts } from './span-allocation.ts';

const span = (kind: SpanKind, durationUs: number, costUsd: number | null = null): Span => ({
  traceId: 't',
  spanId: kind,
  parentSpanId: null,
  requestId: 'r',
  kind,
  name: kind,
  startUs: 0,
  durationUs,
  estimated: false,
  costUsd,
  attributes: {},
});

describe('dollars on the spans of a request priced as a whole', () => {
  it('splits the request cost over prefill and decode by duration, and nothing to waiting', () => {
    const request = makeRequest({ requestId: 'r', arrivalUs: 0, costUsd: 0.004 });
    const spans = allocateSpanCosts(request, [
      span('queue', 5_000_000),
      span('prefill', 1_000_000),
      span('decode', 3_000_000),
    ]);
    assert.deepEqual(
      spans.map((s) => [s.kind, s.costUsd]),
      [
        ['queue', 0],
        ['prefill', 0.001],
        ['decode', 0.003],
      ],
    );
    assert.equal(
      spans.reduce((sum, s) => sum + (s.costUsd ?? 0), 0),
      0.004,
    );
  });

  it('leaves spans priced on their own, and unpriced requests, as they are', () => {
    const priced = [span('prefill', 1, 0.5), span('decode', 1, 0.25)];
    assert.deepEqual(
      allocateSpanCosts(makeRequest({ requestId: 'r', arrivalUs: 0, costUsd: 9 }), priced),
      priced,
    );
    const unpriced = [span('decode', 10)];
    assert.deepEqual(allocateSpanCosts(makeRequest({ requestId: 'r', arrivalUs: 0 }), unpriced), unpriced);
  });
});
