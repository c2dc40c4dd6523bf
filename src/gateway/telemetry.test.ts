import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DuckDbStore } from '../store/duckdb/duckdb-store.ts';
import type { GatewayRecord } from './gateway.ts';
import { gatewayRecordToRequest } from './telemetry.ts';

const T = Date.UTC(2026, 10, 25, 10); // ms

const record: GatewayRecord = {
  requestId: 'gw-1',
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  parentSpanId: '00f067aa0ba902b7',
  upstreamSpanId: 'a1b2c3d4e5f60718',
  path: '/v1/chat/completions',
  model: 'm',
  tenant: 'search-web',
  team: 'search',
  priority: 'high',
  stream: true,
  arrivalMs: T,
  upstreamStartMs: T + 0.2,
  firstByteMs: T + 40,
  firstTokenMs: T + 120,
  firstVisibleTokenMs: T + 900,
  finishedMs: T + 2120,
  status: 'ok',
  httpStatus: 200,
  errorClass: null,
  usage: { promptTokens: 1200, completionTokens: 101, cachedTokens: 1024, reasoningTokens: 40 },
  engineTiming: null,
  engineTimingAtMs: null,
  events: 102,
  maxGapMs: 60,
  meanGapMs: 20,
  upstream: 'vllm-0',
  replica: 'vllm-llama-3-8b-0',
  attempts: 2,
  route: [
    {
      upstream: 'vllm-0',
      total: 2,
      scores: {
        least_outstanding_tokens: 1,
        queue_depth: 0.5,
        kv_cache: 0.5,
        prefix_affinity: 0,
        session_affinity: 0,
      },
    },
  ],
  prefixHashes: ['aaaa', 'bbbb'],
  prompt: null,
};

describe('gateway telemetry', () => {
  it('turns a gateway record into a stored request with gateway, route and stream spans', async () => {
    const { request, spans } = gatewayRecordToRequest(record, { cluster: 'us-east-1' });
    assert.equal(request.ttftUs, 120_000);
    assert.equal(request.ttftVisibleUs, 900_000, 'visible TTFT after the reasoning tokens');
    assert.equal(request.e2eUs, 2_120_000);
    assert.equal(request.tpotUs, 20_000, '(finish − first token) ÷ (101 − 1)');
    assert.equal(request.cachedPromptTokens, 1024);
    assert.equal(request.retries, 1);
    assert.equal(request.promptFamily, 'aaaa');
    assert.equal(request.team, 'search');
    assert.equal(
      request.attributes['gen_ai.prompt'],
      undefined,
      'no prompt text unless the tenant turns it on',
    );
    assert.deepEqual(
      spans.map((s) => [s.kind, s.durationUs, s.parentSpanId]),
      [
        ['gateway', 200, '00f067aa0ba902b7'],
        ['route', 0, 'a1b2c3d4e5f60718'],
        ['stream', 2_000_000, 'a1b2c3d4e5f60718'],
      ],
    );
    assert.equal(new Set(spans.map((s) => s.spanId)).size, 3);
    const store = await DuckDbStore.open({ path: ':memory:' });
    try {
      await store.writeBatch({ requests: [request], spans });
      const back = await store.getRequest('gw-1');
      assert.deepEqual(back?.request, request);
      assert.equal(back?.spans.length, 3);
    } finally {
      await store.close();
    }
  });

  it('stores the model under its alias when one is configured', () => {
    const { request } = gatewayRecordToRequest(
      { ...record, model: 'meta-llama/Meta-Llama-3-8B-Instruct' },
      { cluster: 'c', modelAliases: { 'meta-llama/Meta-Llama-3-8B-Instruct': 'llama-3-8b' } },
    );
    assert.equal(request.model, 'llama-3-8b');
  });

  it('keeps the prompt only for a tenant that stores prompts', () => {
    const { request } = gatewayRecordToRequest({ ...record, prompt: 'user\nhello\n' }, { cluster: 'c' });
    assert.equal(request.attributes['gen_ai.prompt'], 'user\nhello\n');
  });
});
