import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  EngineReplica,
  replicaConfig,
  type FinishedSequence,
  type ReplicaConfig,
  type SimRequestSpec,
} from './engine.ts';
import { GPUS } from './hardware.ts';
import { MODEL_CARDS } from './model-cards.ts';
import { stepTime, type RooflineParams } from './roofline.ts';

const card = MODEL_CARDS['llama-3-8b']!;
const roofline: RooflineParams = {
  flopsEfficiency: 0.65,
  bandwidthEfficiency: 0.8,
  stepOverheadUs: 1000,
  allReduceLatencyUs: 0,
};

function spec(id: string, fields: Partial<SimRequestSpec> = {}): SimRequestSpec {
  return {
    requestId: id,
    tenant: 't',
    team: 't',
    promptTokens: 100,
    promptBlockHashes: [],
    outputTokens: 5,
    maxTokens: 100,
    reasoningTokens: 0,
    promptFamily: null,
    traceId: '0'.repeat(32),
    parentSpanId: null,
    arrivalUs: 0,
    ...fields,
  };
}

/** One vLLM replica of the 8B model on one H100, started at time 0. */
function h100Replica(fields: Partial<ReplicaConfig> = {}): EngineReplica {
  return new EngineReplica(
    replicaConfig({
      replica: 'r',
      engine: 'vllm',
      card,
      gpuType: 'H100',
      tensorParallel: 1,
      roofline,
      ...fields,
    }),
    0,
  );
}

/** Runs the replica alone until idle; returns finished sequences. */
function drain(replica: EngineReplica, startUs = 0): FinishedSequence[] {
  return replica.runUntilIdle(startUs, 100_000).finished;
}

describe('engine replica', () => {
  it('prefills in one step, then decodes one token per step, timed by the roofline', () => {
    const replica = h100Replica();
    replica.enqueue(spec('a', { promptTokens: 1000, outputTokens: 3 }), 0);
    const [done] = drain(replica);
    assert.ok(done);
    const prefill = stepTime(
      {
        prefillTokens: 1000,
        prefillAttentionContext: (1000 * 1001) / 2,
        decodeSeqs: 0,
        decodeContextTokens: 0,
      },
      card,
      GPUS.H100,
      1,
      roofline,
    );
    assert.equal(done.firstTokenUs, Math.round(prefill.totalUs));
    const decode1 = Math.round(
      stepTime(
        { prefillTokens: 0, prefillAttentionContext: 0, decodeSeqs: 1, decodeContextTokens: 1001 },
        card,
        GPUS.H100,
        1,
        roofline,
      ).totalUs,
    );
    const decode2 = Math.round(
      stepTime(
        { prefillTokens: 0, prefillAttentionContext: 0, decodeSeqs: 1, decodeContextTokens: 1002 },
        card,
        GPUS.H100,
        1,
        roofline,
      ).totalUs,
    );
    assert.equal(done.lastTokenUs, done.firstTokenUs + decode1 + decode2);
    assert.equal(done.generated, 3);
    assert.equal(done.finishReason, 'stop');
    assert.equal(replica.stats.generationTokens, 3);
    assert.equal(replica.stats.itl.count, 2);
  });

  it('times the first visible token after the hidden reasoning tokens', () => {
    const replica = h100Replica();
    const tokenTimes = new Map<string, number[]>();
    const listen = (id: string) => ({
      onTokens: (count: number, nowUs: number) => {
        const times = tokenTimes.get(id) ?? [];
        for (let i = 0; i < count; i++) times.push(nowUs);
        tokenTimes.set(id, times);
      },
      onFinish: () => undefined,
    });
    replica.enqueue(spec('thinks', { outputTokens: 6, reasoningTokens: 3, listener: listen('thinks') }), 0);
    replica.enqueue(spec('plain', { outputTokens: 4, listener: listen('plain') }), 0);
    replica.enqueue(
      spec('all-hidden', { outputTokens: 3, reasoningTokens: 5, listener: listen('all-hidden') }),
      0,
    );
    const done = new Map(drain(replica).map((d) => [d.spec.requestId, d]));
    // The fourth token is the first one the user sees; it comes three decode steps after the first.
    assert.equal(done.get('thinks')?.firstVisibleTokenUs, tokenTimes.get('thinks')?.[3]);
    assert.ok((done.get('thinks')?.firstVisibleTokenUs ?? 0) > (done.get('thinks')?.firstTokenUs ?? 0));
    assert.equal(done.get('plain')?.firstVisibleTokenUs, done.get('plain')?.firstTokenUs);
    assert.equal(done.get('all-hidden')?.firstVisibleTokenUs, -1, 'nothing visible: no visible TTFT');
  });

  it('chunks a prompt longer than the token budget', () => {
    const replica = h100Replica({ maxNumBatchedTokens: 512 });
    replica.enqueue(spec('a', { promptTokens: 1300, outputTokens: 1 }), 0);
    drain(replica);
    assert.equal(replica.stats.steps, 3, '512 + 512 + 276 tokens');
  });

  it('serves the shared system prompt of a second request from the prefix cache', () => {
    const replica = h100Replica({ usdPerGpuHour: 4 });
    const shared = Array.from({ length: 40 }, (_, i) => 1000 + i); // 640-token system prompt
    replica.enqueue(spec('a', { promptTokens: 700, promptBlockHashes: [...shared, 1], outputTokens: 2 }), 0);
    const [first] = drain(replica);
    replica.enqueue(
      spec('b', { promptTokens: 700, promptBlockHashes: [...shared, 2], outputTokens: 2 }),
      100_000,
    );
    const [second] = drain(replica, 100_000);
    assert.equal(first?.cachedPromptTokens, 0);
    assert.equal(second?.cachedPromptTokens, 640);
    assert.equal(replica.stats.prefixQueries, 1400);
    assert.equal(replica.stats.prefixHits, 640);
    assert.equal(replica.stats.promptTokensComputed, 700 + 60);
    assert.ok(second!.firstTokenUs - 100_000 < first!.firstTokenUs, 'a cached prefix makes TTFT shorter');
    // b prefilled alone in one step, so that step's prefill price per FLOP is its prefill cost
    // over the FLOPs of its 60 computed tokens; the 640 cached ones would have cost their FLOPs at it.
    const flops = (tokens: number, before: number) =>
      2 * card.activeParams * tokens +
      4 * card.layers * card.hidden * (tokens * before + (tokens * (tokens + 1)) / 2);
    const expected = (second!.cost.prefillUsd * flops(640, 0)) / flops(60, 640);
    assert.equal(first?.cacheSavingsUsd, null);
    assert.ok(
      Math.abs(second!.cacheSavingsUsd! - expected) < 1e-15,
      `${second!.cacheSavingsUsd} vs ${expected}`,
    );
    assert.ok(second!.cost.prefillUsd > 0);
    assert.ok(
      second!.cacheSavingsUsd! > 5 * second!.cost.prefillUsd,
      'the 640-token hit saved far more than the 60 computed tokens cost',
    );
  });

  it('preempts the newest sequence when KV blocks run out and recomputes it later', () => {
    // 20 blocks × 16 tokens = 320 tokens of KV for three 100-token prompts that each grow by 80.
    const replica = h100Replica({ kvBlocks: 20 });
    for (const id of ['a', 'b', 'c']) replica.enqueue(spec(id, { outputTokens: 80 }), 0);
    const done = drain(replica);
    assert.equal(done.length, 3);
    assert.ok(replica.stats.preemptions > 0, 'preemptions happened');
    const preempted = done.filter((d) => d.preemptions > 0);
    assert.ok(preempted.length > 0);
    for (const d of preempted) assert.ok(d.preemptionWaitUs > 0);
    for (const d of done) assert.equal(d.generated, 80, 'every request still completes its output');
    assert.equal(replica.pool.usedBlocks, 0, 'all blocks released');
  });

  it('fails every request in flight when the replica crashes and refuses work while down', () => {
    const replica = h100Replica();
    replica.enqueue(spec('a'), 0);
    replica.enqueue(spec('b'), 0);
    replica.beginStep(0);
    const failed = replica.crash(500, 60_000_000);
    assert.deepEqual(
      failed.map((f) => f.finishReason),
      ['error', 'error'],
    );
    assert.equal(replica.stats.finishedByReason.error, 2);
    assert.equal(replica.isUp(1_000_000), false);
    replica.enqueue(spec('c'), 1_000_000);
    assert.equal(replica.beginStep(1_000_000), -1);
    assert.equal(replica.isUp(60_000_000), true);
  });
});
