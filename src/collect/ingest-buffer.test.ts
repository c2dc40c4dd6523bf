import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeRequest, type InferenceRequest } from '../model/request.ts';
import type { MetricSample } from '../model/metric-sample.ts';
import type { Span } from '../model/span.ts';
import { DuckDbStore } from '../store/duckdb/duckdb-store.ts';
import type { Store } from '../store/store.ts';
import { createLogger } from '../util/log.ts';
import { IngestBuffer } from './ingest-buffer.ts';

const NOW_US = Date.now() * 1000;
let n = 0;
const good = (over: Partial<InferenceRequest> = {}) => {
  const requestId = `r${n++}`;
  const request = makeRequest({
    requestId,
    arrivalUs: NOW_US - 60e6,
    e2eUs: 1_000_000,
    promptTokens: 10,
    ...over,
  });
  const span: Span = {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: (0xa000000000000000n + BigInt(n)).toString(16),
    parentSpanId: null,
    requestId,
    kind: 'decode',
    name: 'decode',
    startUs: NOW_US - 59e6,
    durationUs: 500_000,
    estimated: false,
    costUsd: null,
    attributes: {},
  };
  return { request, spans: [span] };
};
const sample = (over: Partial<MetricSample> = {}): MetricSample => ({
  timeMs: Date.now() - 1000,
  name: 'llm.requests.running',
  value: 3,
  cluster: 'c',
  model: 'm',
  replica: 'r',
  engine: 'vllm',
  labels: {},
  ...over,
});

/** Every kind of bad value a hostile or broken sender produced (issue: poison pills). */
const POISON: [string, Partial<InferenceRequest>][] = [
  ['prompt tokens "abc"', { promptTokens: Number('abc') }],
  ['prompt tokens 100.5', { promptTokens: 100.5 }],
  ['prompt tokens 3e9', { promptTokens: 3e9 }],
  ['negative output tokens', { outputTokens: -5 }],
  ['a numeric model', { model: 42 as unknown as string }],
  ['a numeric error class', { errorClass: 500 as unknown as string }],
  ['e2e 1e306', { e2eUs: 1e306 }],
  ['arrival in 1970', { arrivalUs: 1000 }],
  ['arrival in 2300', { arrivalUs: Date.UTC(2300, 0, 1) * 1000 }],
  ['arrival 1e30', { arrivalUs: 1e30 }],
  ['a 15 MB request id', { requestId: 'x'.repeat(15e6) }],
  ['a 5 MB model name', { model: 'm'.repeat(5e6) }],
  ['an unknown engine', { engine: 'nginx' as InferenceRequest['engine'] }],
  ['a bad trace id', { traceId: 'not-hex' }],
];

async function stored(store: Store): Promise<{ requests: number; samples: number }> {
  const stats = await store.stats();
  return { requests: stats.requests, samples: stats.metricSamples };
}

describe('ingest buffer: no poison pill', () => {
  it('stores the good rows and quarantines each bad one with its reason, and storage goes on', async () => {
    const store = await DuckDbStore.open({ path: ':memory:' });
    const buffer = new IngestBuffer(store, createLogger('silent'));
    const mixed = POISON.flatMap(([, over]) => [good(), good(over)]);
    assert.ok(buffer.offerRequests(mixed));
    assert.ok(buffer.offerSamples([sample(), sample({ value: Number('abc') }), sample({ timeMs: 1e30 })]));
    await buffer.flush();
    assert.deepEqual(await stored(store), { requests: POISON.length, samples: 1 });
    assert.equal(buffer.quarantined, POISON.length + 2);
    assert.ok(buffer.quarantine.every((q) => q.reason.length > 0));
    assert.match(
      buffer.quarantine.find((q) => q.kind === 'sample')?.reason ?? '',
      /^value: expected a finite number/,
    );
    // The next batch goes in: nothing is stuck behind the bad rows.
    assert.ok(buffer.offerRequests([good(), good()]));
    await buffer.flush();
    assert.equal((await stored(store)).requests, POISON.length + 2);
    assert.equal(buffer.writeFailures, 0);
    await store.close();
  });

  it('cuts attribute values past 64 KiB instead of losing the request', async () => {
    const store = await DuckDbStore.open({ path: ':memory:' });
    const buffer = new IngestBuffer(store, createLogger('silent'));
    const long = good({ attributes: { 'gen_ai.prompt': 'p'.repeat(200_000) } });
    buffer.offerRequests([long]);
    await buffer.flush();
    const back = await store.getRequest(long.request.requestId);
    assert.equal(back?.request.attributes['gen_ai.prompt']?.length, 64 * 1024);
    assert.match(back?.request.attributes['gen_ai.prompt'] ?? '', /…\[truncated\]$/);
    await store.close();
  });

  it('isolates a row the store itself refuses, and keeps everything while the store is down', async () => {
    const inner = await DuckDbStore.open({ path: ':memory:' });
    let down = false;
    const refusesR = Object.create(inner) as Store;
    refusesR.writeBatch = async (batch) => {
      if (down) throw new Error('connection refused');
      if (batch.requests.some((r) => r.model === 'refused-by-store')) throw new Error('Conversion Error');
      return inner.writeBatch(batch);
    };
    const buffer = new IngestBuffer(refusesR, createLogger('silent'));
    const rows = [good(), good(), good({ model: 'refused-by-store' }), good(), good()];
    buffer.offerRequests(rows);
    await buffer.flush();
    assert.equal((await stored(inner)).requests, 4);
    assert.equal(buffer.quarantined, 1);
    assert.match(buffer.quarantine[0]?.reason ?? '', /the store refused it: Conversion Error/);

    down = true;
    buffer.offerRequests([good(), good(), good()]);
    await buffer.flush();
    assert.equal(buffer.quarantined, 1, 'an outage is not poison: nothing quarantined');
    assert.equal(buffer.pendingRequests, 3);
    down = false;
    await buffer.flush();
    assert.equal((await stored(inner)).requests, 7);
    await inner.close();
  });
});
