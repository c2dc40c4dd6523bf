import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseExposition, type MetricFamily } from '../src/collect/scrape/exposition.ts';
import { EngineReplica, replicaConfig, type ImitatedEngine } from '../src/sim/engine.ts';
import { renderEngineMetrics } from '../src/sim/exposition/index.ts';
import { MODEL_CARDS } from '../src/sim/model-cards.ts';
import { TRITON_GPU_FAMILIES } from '../src/sim/exposition/triton.ts';
import { ENGINE_FIXTURES } from './support/fixtures.ts';

const FIXTURES = ENGINE_FIXTURES;

/** A replica that has served a few requests, so every histogram has observations. */
function busyReplica(
  engine: ImitatedEngine,
  kvCacheMetricsSample: number | null = null,
): { replica: EngineReplica; nowUs: number } {
  const replica = new EngineReplica(
    replicaConfig({
      replica: `${engine}-0`,
      engine,
      card: MODEL_CARDS['qwen2.5-32b']!,
      gpuType: 'H100',
      tensorParallel: 2,
      // The fixtures are engines at their defaults: vLLM without --kv-cache-metrics.
      kvCacheMetricsSample,
    }),
    0,
  );
  for (let i = 0; i < 20; i++) {
    replica.enqueue(
      {
        requestId: `r${i}`,
        tenant: 't',
        team: 't',
        promptTokens: 300 + i * 40,
        promptBlockHashes: Array.from({ length: 18 }, (_, b) => (b < 10 ? b : i * 100 + b)),
        outputTokens: 20 + i,
        maxTokens: 40,
        reasoningTokens: 0,
        promptFamily: null,
        traceId: '0'.repeat(32),
        parentSpanId: null,
        arrivalUs: 0,
      },
      0,
    );
  }
  return { replica, nowUs: replica.runUntilIdle(0).nowUs };
}

interface Shape {
  type: string;
  labelSets: string[];
  buckets: number[];
}

function shapes(families: MetricFamily[]): Map<string, Shape> {
  const out = new Map<string, Shape>();
  for (const f of families) {
    const labelSets = [
      ...new Set(
        f.samples.map((s) =>
          Object.keys(s.labels)
            .filter((k) => k !== 'le')
            .sort()
            .join(','),
        ),
      ),
    ].sort();
    const buckets = [
      ...new Set(f.samples.filter((s) => s.labels.le !== undefined).map((s) => Number(s.labels.le))),
    ].sort((a, b) => a - b);
    out.set(f.name, { type: f.type, labelSets, buckets });
  }
  return out;
}

const CASES: { engine: ImitatedEngine; fixture: string; extras?: readonly string[] }[] = [
  { engine: 'vllm', fixture: 'vllm/vllm-v1-metrics-synthetic.prom' },
  { engine: 'sglang', fixture: 'sglang/sglang-current-metrics-synthetic.prom' },
  { engine: 'trtllm', fixture: 'triton-trtllm/trtllm-serve-prometheus-synthetic.prom' },
  { engine: 'llamacpp', fixture: 'llamacpp/llamacpp-2026-metrics-synthetic.prom' },
  // A README excerpt: Triton also serves nv_gpu_* on the same endpoint (engines.md §6.2).
  {
    engine: 'triton',
    fixture: 'triton-trtllm/tensorrtllm-backend-readme-example.prom',
    extras: TRITON_GPU_FAMILIES,
  },
];

describe('simulated engines expose metrics exactly as the real engines do', () => {
  for (const { engine, fixture, extras = [] } of CASES) {
    it(`${engine}: same families, types, label sets and histogram buckets as ${fixture}`, () => {
      const real = parseExposition(readFileSync(`${FIXTURES}/${fixture}`, 'utf8'));
      const { replica, nowUs } = busyReplica(engine);
      const simulated = parseExposition(renderEngineMetrics(replica, nowUs));
      assert.deepEqual(simulated.errors, [], 'the simulated exposition parses cleanly');
      const want = shapes(real.families);
      const got = shapes(simulated.families);
      assert.deepEqual([...got.keys()].sort(), [...want.keys(), ...extras].sort(), 'family names');
      for (const [name, shape] of want) assert.deepEqual(got.get(name), shape, name);
    });
  }

  it('vllm: counts are internally consistent (+Inf bucket = count, successes = e2e count)', () => {
    const { replica, nowUs } = busyReplica('vllm');
    const { families } = parseExposition(renderEngineMetrics(replica, nowUs));
    const family = (name: string) => families.find((f) => f.name === name) as MetricFamily;
    const e2e = family('vllm:e2e_request_latency_seconds');
    const inf = e2e.samples.find((s) => s.labels.le === '+Inf')?.value;
    const count = e2e.samples.find((s) => s.name.endsWith('_count'))?.value;
    assert.equal(inf, 20);
    assert.equal(count, 20);
    const successes = family('vllm:request_success_total').samples.reduce((sum, s) => sum + s.value, 0);
    assert.equal(successes, 20);
    const bySource = family('vllm:prompt_tokens_by_source_total').samples;
    const computed = bySource.find((s) => s.labels.source === 'local_compute')?.value ?? 0;
    const cached = bySource.find((s) => s.labels.source === 'local_cache_hit')?.value ?? 0;
    assert.equal(computed + cached, family('vllm:prompt_tokens_total').samples[0]?.value);
    assert.ok(cached > 0, 'the shared 10-block prefix was hit');
  });

  it('vllm with --kv-cache-metrics: adds the three residency histograms with the residency bucket set', () => {
    const { replica, nowUs } = busyReplica('vllm', 0.1);
    const got = shapes(parseExposition(renderEngineMetrics(replica, nowUs)).families);
    const fixture = shapes(
      parseExposition(readFileSync(`${FIXTURES}/vllm/vllm-v1-metrics-synthetic.prom`, 'utf8')).families,
    );
    const residency = [
      'vllm:kv_block_lifetime_seconds',
      'vllm:kv_block_idle_before_evict_seconds',
      'vllm:kv_block_reuse_gap_seconds',
    ];
    // Each with its `_created` series, as vLLM's other histograms have.
    assert.deepEqual(
      [...got.keys()].filter((name) => !fixture.has(name)).sort(),
      residency.flatMap((name) => [name, `${name}_created`]).sort(),
    );
    // engines.md §2.1, KV residency bucket set; the label set of every other vLLM histogram.
    const bounds = [
      0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200,
      1800,
    ];
    const latency = fixture.get('vllm:e2e_request_latency_seconds');
    for (const name of residency) {
      assert.equal(got.get(name)?.type, 'histogram');
      assert.deepEqual(got.get(name)?.buckets, [...bounds, Number('+Inf')]); // shapes() reads le="+Inf" as NaN
      assert.deepEqual(got.get(name)?.labelSets, latency?.labelSets);
    }
  });
});
