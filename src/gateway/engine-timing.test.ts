import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { timingFromLlamacpp, timingFromTgiHeaders } from './engine-timing.ts';
import { enginePhases } from './telemetry.ts';
import type { GatewayRecord } from './gateway.ts';

describe("engines' own per-request timing", () => {
  it("reads llama.cpp's timings and refuses values that are not durations", () => {
    const timing = timingFromLlamacpp({
      timings: { cache_n: 37, prompt_n: 1, prompt_ms: 23.344, predicted_n: 4, predicted_ms: 46.281 },
    });
    assert.deepEqual(timing, {
      source: 'llamacpp',
      queueMs: null,
      prefillMs: 23.344,
      decodeMs: 46.281,
      phasesMeasured: true,
      promptTokens: 1,
      cachedPromptTokens: 37,
      generatedTokens: 4,
    });
    assert.equal(timingFromLlamacpp({ timings: { prompt_ms: 'abc', predicted_ms: 1 } }), null);
    assert.equal(timingFromLlamacpp({ timings: { prompt_ms: -1, predicted_ms: 1 } }), null);
    assert.equal(timingFromLlamacpp({ timings: { prompt_ms: 1, predicted_ms: 1e300 } }), null);
    assert.equal(timingFromLlamacpp({ choices: [] }), null);
  });

  it("reads TGI's timing headers (ms), splitting inference into prefill and decode by estimate", () => {
    const timing = timingFromTgiHeaders({
      'x-compute-time': '0.412',
      'x-queue-time': '120',
      'x-inference-time': '400',
      'x-time-per-token': '20',
      'x-prompt-tokens': '35',
      'x-generated-tokens': '20',
    });
    assert.deepEqual(timing, {
      source: 'tgi',
      queueMs: 120,
      prefillMs: 20,
      decodeMs: 380,
      phasesMeasured: false,
      promptTokens: 35,
      cachedPromptTokens: null,
      generatedTokens: 20,
    });
    assert.equal(timingFromTgiHeaders({ 'x-queue-time': '120' }), null, 'no inference time, no phases');
  });

  it('places the phases on the gateway clock: the rest of the time at the engine is network when the queue is reported', () => {
    const record = {
      arrivalMs: 1000,
      upstreamStartMs: 1001,
      engineTimingAtMs: 1531,
      status: 'ok',
      engineTiming: timingFromTgiHeaders({
        'x-queue-time': '120',
        'x-inference-time': '400',
        'x-time-per-token': '20',
      }),
    } as GatewayRecord;
    const phases = enginePhases(record);
    assert.ok(phases);
    assert.deepEqual(
      phases.spans.map((s) => [s.kind, s.startUs / 1000 - 1000, (s.endUs - s.startUs) / 1000]),
      [
        ['network', 1, 10],
        ['queue', 11, 120],
        ['prefill', 131, 20],
        ['decode', 151, 380],
      ],
    );
    assert.match(phases.spans[2]!.attributes['kb.phase_source']!, /estimate/);
    assert.equal(enginePhases({ ...record, status: 'error' }), null, 'a failed answer has no phases');
  });
});
