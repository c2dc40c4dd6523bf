import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeRequest } from '../model/request.ts';
import type { Span } from '../model/span.ts';
import { attributeRequest } from './attribution.ts';

const ms = 1000;
const span = (kind: Span['kind'], fromMs: number, toMs: number): Span => ({
  traceId: 't',
  spanId: `${kind}${fromMs}`.padEnd(16, '0').slice(0, 16),
  parentSpanId: null,
  requestId: 'r',
  kind,
  name: kind,
  startUs: fromMs * ms,
  durationUs: (toMs - fromMs) * ms,
  estimated: false,
  costUsd: null,
  attributes: {},
});

describe('single-request attribution', () => {
  it('splits end-to-end time into gateway, queue, compute, waits and stream, counting overlaps once', () => {
    const request = makeRequest({ requestId: 'r', arrivalUs: 0, finishedUs: 1000 * ms, e2eUs: 1000 * ms });
    const spans = [
      span('gateway', 0, 2),
      span('queue', 5, 300),
      span('prefill', 300, 400),
      span('decode', 400, 950),
      span('preemption_wait', 500, 600), // inside decode: a wait, not compute
      span('stream', 400, 1000), // overlaps decode: only its tail is the stream's
    ];
    const { parts, blame, e2eUs } = attributeRequest(request, spans);
    const us = Object.fromEntries(parts.map((p) => [p.part, p.us / ms]));
    assert.equal(e2eUs, 1000 * ms);
    assert.deepEqual(us, {
      gateway: 2,
      network: 0,
      queue: 295,
      compute: 550,
      waits: 100,
      stream: 50,
      other: 3,
    });
    assert.ok(Math.abs(parts.reduce((s, p) => s + p.share, 0) - 1) < 1e-12);
    assert.equal(blame, 'gpu compute');
  });

  it('blames the engine queue when the request mostly waited to be scheduled', () => {
    const request = makeRequest({ requestId: 'r', arrivalUs: 0, finishedUs: 5000 * ms });
    const { blame, parts } = attributeRequest(request, [
      span('queue', 1, 4000),
      span('prefill', 4000, 4100),
      span('decode', 4100, 5000),
    ]);
    assert.equal(blame, 'engine queue');
    assert.ok(Math.abs((parts.find((p) => p.part === 'queue')?.share ?? 0) - 0.7998) < 1e-12);
  });
});
