import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { EngineReplica, replicaConfig, type FinishedSequence } from './engine.ts';
import { MODEL_CARDS } from './model-cards.ts';
import { Random } from './random.ts';
import { sglangRequestTrace, vllmRequestTrace, type OtlpResourceSpans, type OtlpSpan } from './traces.ts';
import { ENGINE_FIXTURES } from '../../test/support/fixtures.ts';

const FIXTURES = ENGINE_FIXTURES;

function finished(): FinishedSequence {
  const replica = new EngineReplica(
    replicaConfig({
      replica: 'r',
      engine: 'vllm',
      card: MODEL_CARDS['llama-3-8b']!,
      gpuType: 'H100',
      tensorParallel: 1,
    }),
    0,
  );
  const arrival = 1_767_225_600_250_000;
  const spec = {
    requestId: 'chatcmpl-9f86d081884c7d65',
    tenant: 't',
    team: 't',
    promptTokens: 900,
    promptBlockHashes: [],
    outputTokens: 40,
    maxTokens: 256,
    reasoningTokens: 0,
    promptFamily: null,
    traceId: '5b8efff798038103d269b633813fc60c',
    parentSpanId: 'c0ffee0000000001',
    arrivalUs: arrival,
  };
  replica.enqueue(spec, arrival + 170);
  let now = arrival + 170;
  for (;;) {
    const d = replica.beginStep(now);
    if (d < 0) throw new Error('no finish');
    now += d;
    const [done] = replica.endStep(now);
    if (done) return done;
  }
}

const attr = (span: OtlpSpan, key: string): number => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  if (!value) throw new Error(`missing ${key}`);
  return 'doubleValue' in value
    ? value.doubleValue
    : Number('intValue' in value ? value.intValue : value.stringValue);
};

describe('simulated engine traces', () => {
  it('vLLM: one llm_request SERVER span with exactly the attribute keys vLLM sets', () => {
    const fixture = JSON.parse(
      readFileSync(`${FIXTURES}/vllm/vllm-llm_request-trace-otlp-synthetic.json`, 'utf8'),
    ) as {
      resourceSpans: OtlpResourceSpans[];
    };
    const real = fixture.resourceSpans[0]!.scopeSpans[0]!;
    const trace = vllmRequestTrace(finished(), 'vllm-llama-3-8b');
    assert.ok(trace);
    const ours = trace.scopeSpans[0]!;
    assert.deepEqual(ours.scope, real.scope);
    const [span] = ours.spans;
    assert.ok(span);
    assert.equal(span.name, real.spans[0]!.name);
    assert.equal(span.kind, real.spans[0]!.kind);
    assert.deepEqual(
      span.attributes.map((a) => [a.key, Object.keys(a.value)[0]]),
      real.spans[0]!.attributes.map((a) => [a.key, Object.keys(a.value)[0]]),
    );
    assert.equal(span.traceId, '5b8efff798038103d269b633813fc60c');
    assert.equal(span.parentSpanId, 'c0ffee0000000001', 'parent from traceparent');
  });

  it('vLLM: queue + prefill + decode = inference, ttft ≥ queue + prefill, e2e ≥ ttft + decode', () => {
    const span = vllmRequestTrace(finished(), 'svc')!.scopeSpans[0]!.spans[0]!;
    const q = attr(span, 'gen_ai.latency.time_in_queue');
    const p = attr(span, 'gen_ai.latency.time_in_model_prefill');
    const d = attr(span, 'gen_ai.latency.time_in_model_decode');
    const i = attr(span, 'gen_ai.latency.time_in_model_inference');
    assert.ok(Math.abs(q + p + d - (i + q)) < 1e-9 && Math.abs(p + d - i) < 1e-9);
    assert.ok(attr(span, 'gen_ai.latency.time_to_first_token') >= q + p);
    assert.ok(attr(span, 'gen_ai.latency.e2e') >= attr(span, 'gen_ai.latency.time_to_first_token') + d);
    assert.equal(attr(span, 'gen_ai.usage.completion_tokens'), 40);
  });

  it('SGLang: root request span with the fixture’s keys, thread spans and linked stage slices', () => {
    const fixture = JSON.parse(
      readFileSync(`${FIXTURES}/sglang/sglang-request-trace-otlp-synthetic.json`, 'utf8'),
    ) as {
      resourceSpans: OtlpResourceSpans[];
    };
    const realRoot = fixture.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    const ours = sglangRequestTrace(finished(), new Random(1));
    const root = ours[0]!.scopeSpans[0]!.spans[0]!;
    assert.match(root.name, /^ Req [0-9a-f]{8}$/);
    assert.deepEqual(
      root.attributes.map((a) => a.key),
      realRoot.attributes.map((a) => a.key),
    );
    const spans = ours.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
    const names = spans.map((s) => s.name.replace(/\(.*\)/, '()'));
    for (const stage of ['tokenize', 'dispatch', 'request_process', 'prefill_waiting', 'prefill_forward'])
      assert.ok(names.includes(stage), stage);
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    for (const s of spans.slice(1))
      assert.ok(byId.has(s.parentSpanId ?? ''), `${s.name} has a parent in the trace`);
    const prefillIncludingQueue = attr(root, 'gen_ai.latency.time_in_model_prefill');
    const prefillForward = spans.find((s) => s.name === 'prefill_forward')!;
    const forwardSeconds =
      (Number(prefillForward.endTimeUnixNano) - Number(prefillForward.startTimeUnixNano)) / 1e9;
    assert.ok(prefillIncludingQueue >= forwardSeconds, 'SGLang prefill attribute includes the queue');
  });
});
