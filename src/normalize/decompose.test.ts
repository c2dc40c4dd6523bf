import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { EngineReplica, replicaConfig, type FinishedSequence } from '../sim/engine.ts';
import { MODEL_CARDS } from '../sim/model-cards.ts';
import { Random } from '../sim/random.ts';
import { groundTruthRecord } from '../sim/records.ts';
import { sglangRequestTrace, vllmRequestTrace } from '../sim/traces.ts';
import { decomposeResourceSpans, vllmPhaseSpans, withDerivedPhases } from './decompose.ts';
import type { OtlpResourceSpansData } from './otlp-types.ts';
import { ENGINE_FIXTURES } from '../../test/support/fixtures.ts';

const FIXTURES = ENGINE_FIXTURES;
const context = { cluster: 'us-east-1', model: 'Qwen/Qwen3-8B' };

function fixture(path: string): OtlpResourceSpansData[] {
  return (
    JSON.parse(readFileSync(`${FIXTURES}/${path}`, 'utf8')) as { resourceSpans: OtlpResourceSpansData[] }
  ).resourceSpans;
}

describe('request decomposition from engine traces', () => {
  it('vLLM llm_request → queue, prefill and decode to the microsecond', () => {
    const [first, second] = decomposeResourceSpans(
      fixture('vllm/vllm-llm_request-trace-otlp-synthetic.json'),
      context,
    ).decomposed;
    assert.ok(first && second);
    const r = first.request;
    assert.equal(r.requestId, 'chatcmpl-7f1c2a9d4b8e4f6a9c3d2e1f0a9b8c7d');
    assert.equal(r.traceId, '5b8efff798038103d269b633813fc60c');
    assert.equal(r.arrivalUs, 1_767_225_600_250_000);
    assert.equal(r.ttftUs, 184_312);
    assert.equal(r.e2eUs, 3_456_789);
    assert.equal(r.queueUs, 120_045);
    assert.equal(r.prefillUs, 58_211);
    assert.equal(r.decodeUs, 3_268_004);
    assert.equal(r.tpotUs, Math.round(3_268_004 / 127));
    assert.equal(r.promptTokens, 1532);
    assert.equal(r.outputTokens, 128);
    assert.equal(r.model, 'Qwen/Qwen3-8B');
    assert.equal(r.attributes['kb.unknown'], 'cached_prompt_tokens');
    const phases = first.spans.map((s) => [s.kind, s.startUs - r.arrivalUs, s.durationUs]);
    assert.deepEqual(phases, [
      ['network', 0, 6_056], // 184312 − 120045 − 58211
      ['queue', 6_056, 120_045],
      ['prefill', 126_101, 58_211],
      ['decode', 184_312, 3_268_004],
      ['stream', 3_452_316, 4_473], // 3456789 − 184312 − 3268004
    ]);
    assert.equal(
      first.spans.reduce((sum, s) => sum + s.durationUs, 0),
      r.e2eUs,
      'phases add up to the request latency',
    );
    assert.ok(
      first.spans.every((s) => s.parentSpanId === 'eee19b7ec3c1b174' && /^[0-9a-f]{16}$/.test(s.spanId)),
    );
    assert.deepEqual(vllmPhaseSpans(r), first.spans, 'the stored request alone rebuilds the same phases');
    assert.deepEqual(withDerivedPhases(r, []), first.spans);
    assert.equal(second.request.queueUs, 2_502_117);
    assert.equal(second.request.prefillUs, 221_458);
    assert.equal(second.request.decodeUs, 7_138_776);
  });

  it('SGLang trace → queue and prefill from the stage slices, not the prefill attribute', () => {
    const [decomposed] = decomposeResourceSpans(
      fixture('sglang/sglang-request-trace-otlp-synthetic.json'),
      context,
    ).decomposed;
    assert.ok(decomposed);
    const kinds = decomposed.spans.map((s) => s.kind);
    assert.deepEqual(kinds, ['network', 'network', 'queue', 'prefill', 'decode']);
    const queue = decomposed.spans.find((s) => s.kind === 'queue');
    assert.equal(decomposed.request.queueUs, queue?.durationUs);
    assert.ok((decomposed.request.queueUs ?? 0) > 0);
    assert.equal(
      decomposed.spans.reduce((sum, s) => sum + s.durationUs, 0),
      decomposed.request.e2eUs,
    );
  });

  it('SGLang slices out of order: queue and prefill become one estimated span, never a negative one', () => {
    const input = fixture('sglang/sglang-request-trace-otlp-synthetic.json');
    const spans = input.flatMap((rs) => rs.scopeSpans ?? []).flatMap((s) => s.spans ?? []);
    const waiting = spans.find((s) => s.name === 'prefill_waiting');
    const forward = spans.find((s) => s.name === 'prefill_forward');
    assert.ok(waiting && forward);
    waiting.endTimeUnixNano = String(BigInt(forward.startTimeUnixNano) + 1_000_000n); // overlaps the forward
    const [decomposed] = decomposeResourceSpans(input, context).decomposed;
    assert.ok(decomposed);
    assert.equal(decomposed.request.queueUs, null);
    assert.ok(decomposed.spans.every((s) => s.durationUs >= 0));
    const combined = decomposed.spans.find((s) => s.kind === 'prefill');
    assert.equal(combined?.estimated, true);
    assert.equal(
      decomposed.spans.reduce((sum, s) => sum + s.durationUs, 0),
      decomposed.request.e2eUs,
    );
  });

  it('reconstructs what the simulator knows (ground truth) from its vLLM and SGLang traces', () => {
    for (const engine of ['vllm', 'sglang'] as const) {
      const replica = new EngineReplica(
        replicaConfig({
          replica: 'r',
          engine,
          card: MODEL_CARDS['llama-3-8b']!,
          gpuType: 'H100',
          tensorParallel: 1,
        }),
        0,
      );
      const spec = {
        requestId: 'chatcmpl-00000000000000000000abcd',
        tenant: 't',
        team: 't',
        promptTokens: 2000,
        promptBlockHashes: [],
        outputTokens: 50,
        maxTokens: 256,
        reasoningTokens: 0,
        promptFamily: null,
        traceId: '0af7651916cd43dd8448eb211c80319c',
        parentSpanId: 'b7ad6b7169203331',
        arrivalUs: 1_000_000,
      };
      replica.enqueue(spec, 1_000_400);
      let now = 1_000_400;
      let done: FinishedSequence | undefined;
      while (!done) {
        now += replica.beginStep(now);
        done = replica.endStep(now)[0];
      }
      const truth = groundTruthRecord(
        done,
        {
          replica: 'r',
          cluster: 'c',
          namespace: 'n',
          workload: 'w',
          node: 'x',
          model: 'llama-3-8b',
          engine,
          gpuType: 'H100',
          gpuCount: 1,
        },
        new Random(1),
      ).request;
      const traces =
        engine === 'vllm' ? [vllmRequestTrace(done, 'svc')!] : sglangRequestTrace(done, new Random(2));
      const [got] = decomposeResourceSpans(traces as OtlpResourceSpansData[], { cluster: 'c' }).decomposed;
      assert.ok(got, engine);
      assert.equal(got.request.ttftUs, truth.ttftUs, `${engine} ttft`);
      assert.equal(got.request.e2eUs, truth.e2eUs, `${engine} e2e`);
      assert.equal(
        got.request.decodeUs === null
          ? null
          : Math.abs(got.request.decodeUs - (truth.decodeUs ?? 0)) <= (engine === 'sglang' ? 200 : 0),
        true,
        `${engine} decode`,
      );
      if (engine === 'vllm') {
        assert.equal(got.request.queueUs, truth.queueUs);
        assert.equal(got.request.prefillUs, truth.prefillUs);
      }
    }
  });
});
