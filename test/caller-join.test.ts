import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Collector } from '../src/collect/collector.ts';
import { DuckDbStore } from '../src/store/duckdb/duckdb-store.ts';
import { createLogger } from '../src/util/log.ts';
import { ENGINE_FIXTURES } from './support/fixtures.ts';

const VLLM = readFileSync(`${ENGINE_FIXTURES}/vllm/vllm-llm_request-trace-otlp-synthetic.json`, 'utf8');
const SGLANG = readFileSync(`${ENGINE_FIXTURES}/sglang/sglang-request-trace-otlp-synthetic.json`, 'utf8');
const VLLM_TRACE = '5b8efff798038103d269b633813fc60c'; // its llm_request's parent is c0ffee0000000001
const OTHER_VLLM_TRACE = '0af7651916cd43dd8448eb211c80319c';
const SGLANG_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

/** The calling app's OpenTelemetry GenAI client span, as its OpenAI client instrumentation exports it. */
function clientSpan(options: {
  service: string;
  traceId: string;
  spanId: string;
  startNs: string;
  endNs: string;
  tenant?: string;
  usage?: [number, number];
}): string {
  const attributes = [
    { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
    { key: 'gen_ai.request.model', value: { stringValue: 'Qwen/Qwen3-8B' } },
    ...(options.tenant ? [{ key: 'kubeburner.tenant', value: { stringValue: options.tenant } }] : []),
    ...(options.usage
      ? [
          { key: 'gen_ai.usage.input_tokens', value: { intValue: String(options.usage[0]) } },
          { key: 'gen_ai.usage.output_tokens', value: { intValue: String(options.usage[1]) } },
        ]
      : []),
  ];
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: options.service } }] },
        scopeSpans: [
          {
            scope: { name: 'opentelemetry.instrumentation.openai_v2' },
            spans: [
              {
                traceId: options.traceId,
                spanId: options.spanId,
                name: 'chat Qwen/Qwen3-8B',
                kind: 3,
                startTimeUnixNano: options.startNs,
                endTimeUnixNano: options.endNs,
                attributes,
              },
            ],
          },
        ],
      },
    ],
  });
}

describe('engine requests told who called them by the calling app’s GenAI client span', () => {
  let store: DuckDbStore;
  let collector: Collector;
  const post = async (body: string) => {
    const res = await fetch(`${collector.receiver!.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    assert.equal(res.status, 200, await res.text());
  };
  const byTrace = async (traceId: string) => {
    const rows = await store.searchRequests({ range: { fromUs: 0, toUs: 4e15 }, limit: 100 });
    return rows.find((r) => r.traceId === traceId);
  };

  before(async () => {
    store = await DuckDbStore.open({ path: ':memory:' });
    collector = new Collector({
      store,
      log: createLogger('silent'),
      context: { cluster: 'eu-west-4', model: 'Qwen/Qwen3-8B' },
      otlp: { host: '127.0.0.1', port: 0, grpcPort: null, maxBodyBytes: 1_000_000 },
      tenantTeams: { 'support-chat': 'support', 'research-agents': 'research' },
      awaitCallerSpans: true,
    });
    await collector.startReceiving();
  });

  after(async () => {
    await collector.stop();
    await store.close();
  });

  it('joins over OTLP/HTTP whichever comes first, fills SGLang’s missing usage, and stores the unclaimed alone', async () => {
    // vLLM's spans first (the engine's export usually beats the app's), then the app's.
    await post(VLLM);
    await collector.buffer.flush();
    assert.equal(await byTrace(VLLM_TRACE), undefined, 'the engine record waits for its caller');
    await post(
      clientSpan({
        service: 'support-chat',
        traceId: VLLM_TRACE,
        spanId: 'c0ffee0000000001',
        startNs: '1767225600248000000',
        endNs: '1767225603709000000',
      }),
    );
    // SGLang the other way round, from an app that names its tenant per call.
    await post(
      clientSpan({
        service: 'agent-runner',
        tenant: 'research-agents',
        traceId: SGLANG_TRACE,
        spanId: 'c0ffee00000000a1',
        startNs: '1700000000000000000',
        endNs: '1900000000000000000',
        usage: [2048, 256],
      }),
    );
    await post(SGLANG);
    await collector.buffer.flush();

    const vllm = await byTrace(VLLM_TRACE);
    assert.deepEqual([vllm?.tenant, vllm?.team], ['support-chat', 'support']);
    assert.equal(vllm?.attributes['caller.service'], 'support-chat');
    assert.equal(vllm?.attributes['caller.duration_us'], '3461000');
    assert.ok((vllm?.promptTokens ?? 0) > 0 && vllm?.promptTokens !== 2048, 'the engine’s own usage is kept');

    const sglang = await byTrace(SGLANG_TRACE);
    assert.deepEqual([sglang?.tenant, sglang?.team], ['research-agents', 'research']);
    assert.deepEqual([sglang?.promptTokens, sglang?.outputTokens], [2048, 256], 'usage from the API answer');

    const status = collector.status().otlp?.callers;
    assert.deepEqual(status, { received: 2, joined: 2, unjoined: 0, waiting: 1 });
    assert.equal(await byTrace(OTHER_VLLM_TRACE), undefined, 'the other vLLM request still waits');
    await collector.stop();
    const alone = await byTrace(OTHER_VLLM_TRACE);
    assert.equal(alone?.tenant, 'unknown', 'stored as it came when no caller claimed it');
  });
});
