import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseExposition } from '../collect/scrape/exposition.ts';
import type { MetricSample } from '../model/metric-sample.ts';
import type { EngineAdapter } from './adapter.ts';
import { dcgmAdapter } from './dcgm.ts';
import { llamacppAdapter, normalizeLlamacppSlots } from './llamacpp.ts';
import { detectEngine } from './registry.ts';
import { sglangAdapter } from './sglang.ts';
import { tgiAdapter } from './tgi.ts';
import { tritonAdapter } from './triton.ts';
import { trtllmAdapter } from './trtllm.ts';
import { sampleValue } from '../../test/support/samples.ts';
import { DeltaTracker } from '../collect/scrape/deltas.ts';
import { ENGINE_FIXTURES } from '../../test/support/fixtures.ts';

const FIXTURES = ENGINE_FIXTURES;
const context = {
  timeMs: 1_767_225_660_000,
  target: { cluster: 'eu-west-4', replica: 'pod-0', model: 'configured-model' },
};

function run(adapter: EngineAdapter, file: string): MetricSample[] {
  const { families, errors } = parseExposition(readFileSync(`${FIXTURES}/${file}`, 'utf8'));
  assert.deepEqual(errors, []);
  return adapter.normalize(families, context);
}

describe('SGLang adapter', () => {
  const out = run(sglangAdapter, 'sglang/sglang-current-metrics-synthetic.prom');

  it('maps scheduler gauges from the leader series and tokenizer counters', () => {
    assert.equal(sampleValue(out, 'llm.requests.running'), 37);
    assert.equal(sampleValue(out, 'llm.requests.waiting'), 5);
    assert.equal(sampleValue(out, 'llm.batch.size'), 37);
    assert.equal(sampleValue(out, 'llm.kv_cache.usage'), 0.6212);
    assert.equal(sampleValue(out, 'llm.kv_cache.capacity'), 158100);
    assert.equal(sampleValue(out, 'llm.preemptions'), 4, 'retractions are SGLang’s preemptions');
    assert.equal(sampleValue(out, 'llm.tokens.prompt'), 3_013_603);
    assert.equal(sampleValue(out, 'llm.tokens.prompt_computed'), 2_701_629);
    assert.equal(sampleValue(out, 'llm.tokens.prompt_cached'), 311_974);
    assert.equal(sampleValue(out, 'llm.prefix_cache.hits'), 311_974);
    assert.equal(sampleValue(out, 'llm.prefix_cache.queries'), 3_013_603);
    assert.equal(sampleValue(out, 'llm.tokens.generated'), 302_075);
    assert.equal(sampleValue(out, 'llm.requests.finished', { outcome: 'ok', reason: 'finished' }), 497);
    assert.equal(sampleValue(out, 'llm.requests.finished', { outcome: 'cancelled', reason: 'abort' }), 3);
  });

  it('keeps its histograms, marking inter-token latency as per token', () => {
    assert.equal(sampleValue(out, 'gen_ai.server.time_to_first_token', { stat: 'sum' }), 1077.100229);
    assert.equal(sampleValue(out, 'gen_ai.server.request.duration', { stat: 'count' }), 500);
    assert.equal(
      sampleValue(out, 'llm.request.inter_token_latency', { per: 'token', stat: 'count' }),
      301_575,
    );
    assert.equal(sampleValue(out, 'llm.request.queue_time', { stat: 'sum' }), 813.966657);
    assert.equal(
      sampleValue(out, 'llm.request.prefill_time', { stat: 'sum' }),
      261.133572,
      'the prefill_forward stage only',
    );
    assert.ok(out.every((s) => s.model === 'Qwen/Qwen3-32B'));
  });
});

describe('trtllm-serve adapter', () => {
  const out = run(trtllmAdapter, 'triton-trtllm/trtllm-serve-prometheus-synthetic.prom');

  it('maps gauges, counters, block-based prefix reuse and outcomes', () => {
    assert.equal(sampleValue(out, 'llm.requests.running'), 12);
    assert.equal(sampleValue(out, 'llm.requests.waiting'), 4);
    assert.equal(sampleValue(out, 'llm.kv_cache.usage'), 0.4875);
    assert.equal(sampleValue(out, 'llm.kv_cache.capacity'), 6239 * 32);
    assert.equal(sampleValue(out, 'llm.prefix_cache.hits'), 4210 * 32);
    assert.equal(sampleValue(out, 'llm.prefix_cache.queries'), (4210 + 9263) * 32);
    assert.equal(sampleValue(out, 'llm.tokens.prompt'), 232_266);
    assert.equal(sampleValue(out, 'llm.tokens.generated'), 44_069);
    assert.equal(sampleValue(out, 'llm.requests.finished', { outcome: 'ok', reason: 'stop' }), 97);
    assert.equal(sampleValue(out, 'llm.requests.finished', { outcome: 'ok', reason: 'length' }), 23);
  });

  it('keeps every request-timing histogram', () => {
    assert.equal(sampleValue(out, 'gen_ai.server.time_to_first_token', { stat: 'sum' }), 76.560922);
    assert.equal(sampleValue(out, 'gen_ai.server.request.duration', { stat: 'sum' }), 695.609101);
    assert.equal(sampleValue(out, 'gen_ai.server.time_per_output_token', { stat: 'sum' }), 1.66628);
    assert.equal(sampleValue(out, 'llm.request.queue_time', { stat: 'sum' }), 50.082095);
    assert.equal(sampleValue(out, 'llm.request.prefill_time', { stat: 'sum' }), 26.118827);
    assert.equal(sampleValue(out, 'llm.request.decode_time', { stat: 'sum' }), 618.80818);
    assert.equal(sampleValue(out, 'llm.request.inference_time', { stat: 'sum' }), 644.927007);
  });
});

describe('Triton (TensorRT-LLM backend) adapter', () => {
  it('reads scheduled/pending requests, KV blocks and success counts, using the configured model', () => {
    const out = run(tritonAdapter, 'triton-trtllm/tensorrtllm-backend-readme-example.prom');
    assert.equal(sampleValue(out, 'llm.requests.running'), 1);
    assert.equal(
      sampleValue(out, 'llm.requests.waiting'),
      0,
      'no waiting type in 2024 builds: Triton’s pending count',
    );
    assert.equal(sampleValue(out, 'llm.kv_cache.usage'), 1 / 6239, 'used ÷ max when no fraction is exposed');
    assert.equal(sampleValue(out, 'llm.kv_cache.capacity'), 6239 * 64);
    assert.equal(sampleValue(out, 'llm.requests.finished', { outcome: 'ok', reason: 'success' }), 0);
    assert.equal(sampleValue(out, 'llm.request.queue_time', { stat: 'count' }), 0);
    assert.ok(
      out.every((s) => s.model === 'configured-model'),
      'not the repository name',
    );
  });
});

describe('llama.cpp adapter', () => {
  it('maps the 2026 metrics (no labels; model and replica from the target)', () => {
    const out = run(llamacppAdapter, 'llamacpp/llamacpp-2026-metrics-synthetic.prom');
    assert.equal(sampleValue(out, 'llm.requests.running'), 4);
    assert.equal(sampleValue(out, 'llm.requests.waiting'), 2);
    assert.ok(!out.some((s) => s.name === 'llm.batch.size'), 'a lifetime average is no batch size');
    assert.equal(sampleValue(out, 'llm.batch.steps'), 418822);
    assert.equal(sampleValue(out, 'llm.batch.sequence_steps'), 2.94774 * 418822);
    assert.equal(
      sampleValue(out, 'llm.tokens.prompt_computed'),
      48211,
      'llama.cpp counts prompt tokens without the cached prefix',
    );
    assert.equal(
      sampleValue(out, 'llm.tokens.generated'),
      1_234_570,
      'six significant digits, as llama.cpp prints',
    );
    assert.ok(!out.some((s) => s.name === 'llm.kv_cache.usage'), '2026 builds expose no KV gauge');
    assert.ok(out.every((s) => s.model === 'configured-model' && s.replica === 'pod-0'));
  });

  it('gives the batch size of a scrape interval, not the lifetime average (0 while idle)', () => {
    const scrape = (decodes: number, average: number, cached: number) =>
      llamacppAdapter.normalize(
        parseExposition(
          [
            `llamacpp:n_decode_total ${decodes}`,
            `llamacpp:n_busy_slots_per_decode ${average}`,
            'llamacpp:prompt_tokens_total 500',
            `llamacpp:prompt_tokens_cached_total ${cached}`,
            '',
          ].join('\n'),
        ).families,
        context,
      );
    const deltas = new DeltaTracker();
    deltas.apply(scrape(100, 1, 0)); // 100 decodes of one sequence
    // then 50 decodes of 4: the lifetime average is (100 + 200) / 150 = 2
    const busy = deltas.apply(scrape(150, 2, 40));
    assert.equal(sampleValue(llamacppAdapter.fromIncreases?.(busy) ?? [], 'llm.batch.size'), 4);
    assert.equal(sampleValue(busy, 'llm.tokens.prompt_cached'), 40);
    const idle = deltas.apply(scrape(150, 2, 40));
    assert.equal(sampleValue(llamacppAdapter.fromIncreases?.(idle) ?? [], 'llm.batch.size'), 0);
  });

  it('reads the 2025 KV ratio', () => {
    const out = llamacppAdapter.normalize(
      parseExposition('# TYPE llamacpp:kv_cache_usage_ratio gauge\nllamacpp:kv_cache_usage_ratio 0.25\n')
        .families,
      context,
    );
    assert.equal(sampleValue(out, 'llm.kv_cache.usage'), 0.25);
  });

  it('derives KV occupancy and capacity from /slots, and refuses a malformed body', () => {
    const readme = normalizeLlamacppSlots(
      JSON.parse(readFileSync(`${FIXTURES}/llamacpp/readme-slots-example-2026.json`, 'utf8')),
      context,
    );
    assert.equal(sampleValue(readme, 'llm.kv_cache.capacity'), 131_072);
    assert.equal(sampleValue(readme, 'llm.requests.running', { source: 'slots' }), 2);
    assert.ok(
      !readme.some((s) => s.name === 'llm.kv_cache.usage'),
      'slots without n_prompt_tokens say nothing about occupancy',
    );
    const current = normalizeLlamacppSlots(
      [
        { id: 0, n_ctx: 4096, is_processing: true, n_prompt_tokens: 1024 },
        { id: 1, n_ctx: 4096, is_processing: false },
      ],
      context,
    );
    assert.equal(sampleValue(current, 'llm.kv_cache.usage'), 1024 / 8192);
    assert.throws(() => normalizeLlamacppSlots([{ id: 'x' }], context), /n_ctx|id/);
  });
});

describe('TGI adapter', () => {
  const out = run(tgiAdapter, 'tgi/tgi-3.3-metrics-synthetic.prom');

  it('maps batch, queue, outcomes and token sums; marks the KV estimate', () => {
    assert.equal(sampleValue(out, 'llm.requests.running'), 9);
    assert.equal(sampleValue(out, 'llm.requests.waiting'), 2);
    assert.equal(sampleValue(out, 'llm.kv_cache.capacity'), 163_840);
    assert.equal(sampleValue(out, 'llm.kv_cache.usage', { estimated: 'true' }), 18_240 / 163_840);
    assert.equal(sampleValue(out, 'llm.requests.finished', { outcome: 'ok', reason: 'success' }), 180);
    assert.equal(sampleValue(out, 'llm.requests.finished', { outcome: 'rejected', reason: 'validation' }), 3);
    assert.equal(sampleValue(out, 'llm.tokens.prompt'), 283_823);
    assert.equal(sampleValue(out, 'llm.tokens.generated'), 76_693);
  });

  it('keeps its duration histograms; the per-token mean (prefill included) is marked estimated', () => {
    assert.equal(sampleValue(out, 'gen_ai.server.request.duration', { stat: 'sum' }), 2044.941165284);
    assert.equal(sampleValue(out, 'llm.request.queue_time', { stat: 'sum' }), 160.519850156);
    assert.equal(sampleValue(out, 'llm.request.inference_time', { stat: 'count' }), 180);
    assert.equal(
      sampleValue(out, 'gen_ai.server.time_per_output_token', { estimated: 'true', stat: 'sum' }),
      4.451252983,
    );
  });
});

describe('DCGM adapter', () => {
  it('converts units per GPU and attributes each GPU to its pod', () => {
    const out = run(dcgmAdapter, 'dcgm/dcgm-exporter-k8s-h100-synthetic.prom');
    const gpu0 = (name: string) => out.find((s) => s.name === name && s.labels.gpu === '0')?.value;
    assert.equal(gpu0('gpu.utilization'), 0.97);
    assert.equal(gpu0('gpu.engine_active'), 0.912345);
    assert.equal(gpu0('gpu.memory.used'), 74344 * 1_048_576);
    assert.equal(gpu0('gpu.power'), 512.384);
    assert.equal(gpu0('gpu.energy'), 918_273_645.123);
    const util = out.filter((s) => s.name === 'gpu.utilization');
    assert.deepEqual(
      util.map((s) => [s.labels.gpu, s.replica, s.labels.node]),
      [
        ['0', 'vllm-qwen3-8b-7c9d8f6b5-x2k4q', 'gpu-node-a17'],
        ['1', 'unassigned', 'gpu-node-a17'],
      ],
    );
  });

  it('drops DCGM’s blank sentinels and reads the old Hostname label', () => {
    const out = run(dcgmAdapter, 'dcgm/readme-example.prom');
    assert.ok(out.every((s) => s.value < 9e18));
    // The label set of dcgm/issue-58 (old `Hostname`, empty pod labels) on a mapped field.
    const titan = dcgmAdapter.normalize(
      parseExposition(
        'DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-55274b56",device="nvidia0",modelName="NVIDIA TITAN V",Hostname="dcgm-exporter-lcxpl",container="",namespace="",pod=""} 42\n',
      ).families,
      context,
    );
    assert.deepEqual(
      titan.map((s) => [s.name, s.value, s.labels.node, s.replica]),
      [['gpu.utilization', 0.42, 'dcgm-exporter-lcxpl', 'unassigned']],
    );
  });
});

describe('engine auto-detection', () => {
  it('names the right engine for every real fixture that has samples', () => {
    const expected: Record<string, string> = {
      vllm: 'vllm',
      sglang: 'sglang',
      llamacpp: 'llamacpp',
      tgi: 'tgi',
      dcgm: 'dcgm',
    };
    for (const [dir, engine] of Object.entries(expected)) {
      for (const file of readdirSync(`${FIXTURES}/${dir}`).filter((f) => f.endsWith('.prom'))) {
        const { families } = parseExposition(readFileSync(`${FIXTURES}/${dir}/${file}`, 'utf8'));
        assert.equal(detectEngine(families)?.source, engine, `${dir}/${file}`);
      }
    }
    const tritonFamilies = parseExposition(
      readFileSync(`${FIXTURES}/triton-trtllm/tensorrtllm-backend-readme-example.prom`, 'utf8'),
    ).families;
    assert.equal(detectEngine(tritonFamilies)?.source, 'triton');
    const trtllmFamilies = parseExposition(
      readFileSync(`${FIXTURES}/triton-trtllm/trtllm-serve-prometheus-synthetic.prom`, 'utf8'),
    ).families;
    assert.equal(detectEngine(trtllmFamilies)?.source, 'trtllm');
    assert.equal(detectEngine(parseExposition('http_requests_total 5\n').families), null);
  });
});
