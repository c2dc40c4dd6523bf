import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseExposition } from '../collect/scrape/exposition.ts';
import { DcgmExporter, type SimGpu } from './exposition/dcgm.ts';
import { renderEngineMetrics } from './exposition/index.ts';
import type { FaultSpec } from './faults.ts';
import { Fleet, type FleetReplicaSpec } from './fleet.ts';
import { demoFleetOptions } from './scenarios.ts';
import type { TenantProfile } from './workload.ts';

const S = 1_000_000;
const START = Date.UTC(2026, 10, 25) * 1000;

function tenant(fields: Partial<TenantProfile> = {}): TenantProfile {
  return {
    tenant: 'app',
    team: 'app',
    model: 'llama-3-8b',
    requestsPerSecond: 4,
    families: [{ id: 'sys-a', systemPromptTokens: 512, weight: 1 }],
    userPromptMedian: 200,
    userPromptSigma: 0.5,
    outputMedian: 60,
    outputSigma: 0.4,
    maxTokens: 256,
    ...fields,
  };
}

function fleet(replicas: FleetReplicaSpec[], tenants: TenantProfile[], faults: FaultSpec[] = []): Fleet {
  return new Fleet({
    seed: 11,
    startUs: START,
    replicas,
    workload: { tenants, diurnalAmplitude: 0, dayUs: 86_400 * S },
    faults,
  });
}

const vllm8b = (replica: string, overrides = {}): FleetReplicaSpec => ({
  replica,
  cluster: 'c',
  namespace: 'n',
  node: 'node-1',
  model: 'llama-3-8b',
  engine: 'vllm',
  gpuType: 'H100',
  tensorParallel: 1,
  overrides,
});

/** Reads one vLLM metric (summed over series) from the replica's /metrics text. */
function metric(f: Fleet, replica: string, name: string, labels: Record<string, string> = {}): number {
  const r = f.replicaByName(replica);
  assert.ok(r);
  const { families } = parseExposition(renderEngineMetrics(r.engine, f.nowUs));
  let sum = 0;
  for (const family of families) {
    for (const s of family.samples) {
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) sum += s.value;
    }
  }
  return sum;
}

/** Max of a gauge sampled every `stepUs` between now and `untilUs`. */
function maxOver(f: Fleet, untilUs: number, stepUs: number, read: () => number): number {
  let max = -Infinity;
  while (f.nowUs < untilUs) {
    f.runUntil(f.nowUs + stepUs);
    max = Math.max(max, read());
  }
  return max;
}

describe('fleet simulator faults show their signature in the emitted metrics', () => {
  it('queue saturation: waiting requests climb during the load spike and drain after', () => {
    const f = fleet(
      [vllm8b('r0')],
      [tenant({ requestsPerSecond: 3 })],
      [{ kind: 'queue_saturation', atUs: 60 * S, durationUs: 60 * S, factor: 40 }],
    );
    const waiting = () => metric(f, 'r0', 'vllm:num_requests_waiting');
    const before = maxOver(f, START + 60 * S, S, waiting);
    const during = maxOver(f, START + 120 * S, S, waiting);
    assert.ok(before <= 2, `baseline waiting ${before}`);
    assert.ok(during >= 20, `waiting during the spike ${during}`);
    assert.deepEqual(
      f.groundTruth.map((g) => [g.kind, g.startUs - START, g.endUs - START, g.replicas]),
      [['queue_saturation', 60 * S, 120 * S, ['r0']]],
    );
  });

  it('KV pressure: the preemption counter rises only under long-context traffic', () => {
    // 800 blocks = 12,800 tokens of KV: room for the normal traffic, not for 8× longer contexts.
    const f = fleet(
      [vllm8b('r0', { kvBlocks: 800 })],
      [tenant({ requestsPerSecond: 3 })],
      [{ kind: 'kv_pressure', atUs: 60 * S, durationUs: 60 * S, factor: 8 }],
    );
    f.runUntil(START + 60 * S);
    const before = metric(f, 'r0', 'vllm:num_preemptions_total');
    f.runUntil(START + 120 * S);
    const during = metric(f, 'r0', 'vllm:num_preemptions_total') - before;
    assert.equal(before, 0);
    assert.ok(during >= 10, `preemptions during the fault: ${during}`);
  });

  it('cache-unfriendly tenant: the prefix-cache hit ratio drops while it runs', () => {
    const f = fleet(
      [vllm8b('r0', { kvBlocks: 3000 })],
      [
        tenant({
          requestsPerSecond: 4,
          families: [1, 2, 3, 4].map((i) => ({ id: `sys-${i}`, systemPromptTokens: 1024, weight: 1 })),
        }),
      ],
      [{ kind: 'cache_unfriendly_tenant', atUs: 60 * S, durationUs: 60 * S, factor: 1.5 }],
    );
    const ratio = (from: [number, number]) => {
      const hits = metric(f, 'r0', 'vllm:prefix_cache_hits_total');
      const queries = metric(f, 'r0', 'vllm:prefix_cache_queries_total');
      return { value: (hits - from[0]) / (queries - from[1]), at: [hits, queries] as [number, number] };
    };
    f.runUntil(START + 20 * S);
    const warm = ratio([0, 0]).at;
    f.runUntil(START + 60 * S);
    const before = ratio(warm);
    f.runUntil(START + 120 * S);
    const during = ratio(before.at);
    assert.ok(before.value > 0.5, `hit ratio before ${before.value}`);
    assert.ok(during.value < before.value / 2, `hit ratio during ${during.value} vs ${before.value}`);
    assert.equal(f.groundTruth[0]?.tenant, 'bulk-backfill');
  });

  it('tensor-parallel straggler: one GPU stays busy while its peers idle, and steps get slower', () => {
    const spec: FleetReplicaSpec = { ...vllm8b('tp'), model: 'llama-3-70b', tensorParallel: 4 };
    const f = fleet(
      [spec],
      [tenant({ model: 'llama-3-70b', requestsPerSecond: 2 })],
      [{ kind: 'tp_straggler', atUs: 60 * S, durationUs: 60 * S }],
    );
    const replica = f.replicaByName('tp');
    assert.ok(replica);
    const gpus: SimGpu[] = [0, 1, 2, 3].map((i) => ({
      index: i,
      uuid: `GPU-${i}`,
      pciBusId: `00000000:1${i}:00.0`,
      type: 'H100',
      replica: replica.engine,
      tpRank: i,
      pod: { name: 'tp', namespace: 'n', container: 'vllm' },
    }));
    const dcgm = new DcgmExporter('node-1', gpus);
    const active = () => {
      const family = parseExposition(dcgm.render(f.nowUs)).families.find(
        (x) => x.name === 'DCGM_FI_PROF_GR_ENGINE_ACTIVE',
      );
      return (family?.samples ?? []).map((s) => s.value);
    };
    f.runUntil(START + 49 * S);
    active();
    f.runUntil(START + 59 * S);
    const before = active();
    const itlBefore =
      metric(f, 'tp', 'vllm:inter_token_latency_seconds_sum') /
      metric(f, 'tp', 'vllm:inter_token_latency_seconds_count');
    const [sumBefore, countBefore] = [
      metric(f, 'tp', 'vllm:inter_token_latency_seconds_sum'),
      metric(f, 'tp', 'vllm:inter_token_latency_seconds_count'),
    ];
    f.runUntil(START + 109 * S);
    active();
    f.runUntil(START + 119 * S); // the fault ends at 120 s
    const during = active();
    const itlDuring =
      (metric(f, 'tp', 'vllm:inter_token_latency_seconds_sum') - sumBefore) /
      (metric(f, 'tp', 'vllm:inter_token_latency_seconds_count') - countBefore);
    assert.ok(Math.max(...before) - Math.min(...before) < 0.01, `peers agree before: ${before}`);
    const [straggler = 0, ...peers] = during;
    for (const peer of peers) assert.ok(straggler - peer > 0.1, `straggler ${straggler} vs peer ${peer}`);
    assert.ok(itlDuring > itlBefore * 1.3, `ITL ${itlBefore} → ${itlDuring}`);
  });

  it('interconnect slowdown: inter-token latency rises on tensor-parallel replicas', () => {
    const spec: FleetReplicaSpec = { ...vllm8b('tp'), model: 'llama-3-70b', tensorParallel: 4 };
    const f = fleet(
      [spec],
      [tenant({ model: 'llama-3-70b', requestsPerSecond: 2 })],
      [{ kind: 'interconnect_slowdown', atUs: 60 * S, durationUs: 60 * S }],
    );
    const itl = () =>
      [
        metric(f, 'tp', 'vllm:inter_token_latency_seconds_sum'),
        metric(f, 'tp', 'vllm:inter_token_latency_seconds_count'),
      ] as const;
    f.runUntil(START + 60 * S);
    const [s0, c0] = itl();
    f.runUntil(START + 120 * S);
    const [s1, c1] = itl();
    assert.ok((s1 - s0) / (c1 - c0) > (s0 / c0) * 1.5, `mean ITL ${s0 / c0} → ${(s1 - s0) / (c1 - c0)}`);
  });

  it('replica crash: in-flight requests fail, the replica is down for its cold start, then serves again', () => {
    const f = fleet(
      [vllm8b('r0'), vllm8b('r1')],
      [tenant({ requestsPerSecond: 6 })],
      [{ kind: 'replica_crash', atUs: 30 * S, durationUs: 0, replica: 'r0' }],
    );
    f.runUntil(START + 30 * S - 1);
    assert.equal(metric(f, 'r0', 'vllm:request_success_total', { finished_reason: 'error' }), 0);
    f.runUntil(START + 30 * S);
    assert.ok(
      metric(f, 'r0', 'vllm:request_success_total', { finished_reason: 'error' }) > 0,
      'in-flight requests failed',
    );
    const truth = f.groundTruth[0];
    assert.ok(truth && truth.kind === 'replica_crash');
    const coldStart = truth.endUs - truth.startUs;
    assert.ok(coldStart > 20 * S && coldStart < 60 * S, `cold start ${coldStart / S} s`);
    const r0 = f.replicaByName('r0')!;
    f.runUntil(START + 35 * S);
    assert.equal(r0.engine.isUp(f.nowUs), false);
    const finishedWhileDown = metric(f, 'r1', 'vllm:e2e_request_latency_seconds_count');
    assert.ok(finishedWhileDown > 0, 'the other replica took the traffic');
    f.runUntil(truth.endUs + 20 * S);
    assert.ok(r0.engine.isUp(f.nowUs));
    assert.ok(metric(f, 'r0', 'vllm:request_success_total', { finished_reason: 'stop' }) > 0);
  });

  it('batch fragmentation: request count soars while tokens per request collapse', () => {
    const f = fleet(
      [vllm8b('r0')],
      [tenant({ requestsPerSecond: 3 })],
      [{ kind: 'batch_fragmentation', atUs: 60 * S, durationUs: 30 * S }],
    );
    const read = () =>
      [
        metric(f, 'r0', 'vllm:request_prompt_tokens_count'),
        metric(f, 'r0', 'vllm:prompt_tokens_total'),
      ] as const;
    f.runUntil(START + 60 * S);
    const [n0, p0] = read();
    f.runUntil(START + 90 * S);
    const [n1, p1] = read();
    const rateBefore = n0 / 60;
    const rateDuring = (n1 - n0) / 30;
    assert.ok(rateDuring > rateBefore * 10, `requests/s ${rateBefore} → ${rateDuring}`);
    assert.ok((p1 - p0) / (n1 - n0) < p0 / n0 / 5, 'prompt tokens per request collapse');
  });
});

describe('demo fleet', () => {
  it('sends the same traffic for the same seed, whatever the wall-clock time it starts at', () => {
    const run = (startUs: number) => {
      const f = new Fleet(demoFleetOptions(42, startUs, false));
      f.runUntil(startUs + 120 * S);
      return { routed: f.routed, finished: f.groundTruth.length };
    };
    const onTheHour = Date.UTC(2026, 11, 5, 2, 0) * 1000;
    const a = run(onTheHour);
    assert.ok(a.routed > 1000, `${a.routed} requests in 2 minutes`);
    assert.deepEqual(run(onTheHour + 23 * 60 * S + 17 * S), a);
  });
});
