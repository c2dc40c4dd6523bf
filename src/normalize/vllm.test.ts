import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseExposition } from '../collect/scrape/exposition.ts';
import type { MetricSample } from '../model/metric-sample.ts';
import { vllmAdapter } from './vllm.ts';
import { sampleValue } from '../../test/support/samples.ts';
import { ENGINE_FIXTURES } from '../../test/support/fixtures.ts';

const FIXTURES = `${ENGINE_FIXTURES}/vllm`;
const context = { timeMs: 1_767_225_660_000, target: { cluster: 'us-east-1', replica: 'vllm-qwen3-8b-0' } };

function normalize(file: string): MetricSample[] {
  const { families, errors } = parseExposition(readFileSync(`${FIXTURES}/${file}`, 'utf8'));
  assert.deepEqual(errors, []);
  return vllmAdapter.normalize(families, context);
}

/** The one value of a canonical series (fails when there are zero or several). */

describe('vLLM adapter', () => {
  const v1 = normalize('vllm-v1-metrics-synthetic.prom');

  it('maps every V1 gauge and counter to its canonical name and value', () => {
    assert.equal(sampleValue(v1, 'llm.requests.running'), 14);
    assert.equal(sampleValue(v1, 'llm.requests.waiting'), 3);
    assert.equal(sampleValue(v1, 'llm.kv_cache.usage'), 0.4127, 'already a 0–1 ratio despite "perc"');
    assert.equal(sampleValue(v1, 'llm.kv_cache.capacity'), 27713 * 16);
    assert.equal(sampleValue(v1, 'llm.prefix_cache.queries'), 767920);
    assert.equal(sampleValue(v1, 'llm.prefix_cache.hits'), 21796);
    assert.equal(sampleValue(v1, 'llm.preemptions'), 7);
    assert.equal(sampleValue(v1, 'llm.tokens.prompt'), 762800);
    assert.equal(sampleValue(v1, 'llm.tokens.prompt_computed'), 743052);
    assert.equal(sampleValue(v1, 'llm.tokens.prompt_cached'), 19748);
    assert.equal(sampleValue(v1, 'llm.tokens.generated'), 110717);
  });

  it('counts finished requests by outcome: aborts are cancellations, not successes', () => {
    assert.equal(sampleValue(v1, 'llm.requests.finished', { outcome: 'ok', reason: 'stop' }), 166);
    assert.equal(sampleValue(v1, 'llm.requests.finished', { outcome: 'ok', reason: 'length' }), 66);
    assert.equal(sampleValue(v1, 'llm.requests.finished', { outcome: 'cancelled', reason: 'abort' }), 8);
    assert.equal(sampleValue(v1, 'llm.requests.finished', { outcome: 'error', reason: 'error' }), 0);
  });

  it('keeps histograms whole: every bucket, sum and count under the canonical name', () => {
    const ttft = 'gen_ai.server.time_to_first_token';
    assert.equal(sampleValue(v1, ttft, { stat: 'count' }), 240);
    assert.equal(sampleValue(v1, ttft, { stat: 'sum' }), 166.274849);
    assert.equal(sampleValue(v1, ttft, { stat: 'bucket', le: '0.25' }), 53);
    assert.equal(sampleValue(v1, ttft, { stat: 'bucket', le: '1' }), 209);
    assert.equal(sampleValue(v1, ttft, { stat: 'bucket', le: '+Inf' }), 240);
    assert.equal(v1.filter((s) => s.name === ttft && s.labels.stat === 'bucket').length, 23);
    assert.equal(sampleValue(v1, 'gen_ai.server.request.duration', { stat: 'sum' }), 3602.248286);
    assert.equal(sampleValue(v1, 'gen_ai.server.time_per_output_token', { stat: 'sum' }), 7.54774);
    assert.equal(sampleValue(v1, 'llm.request.inter_token_latency', { stat: 'count' }), 110477);
    assert.equal(sampleValue(v1, 'llm.request.queue_time', { stat: 'sum' }), 73.789139);
    assert.equal(sampleValue(v1, 'llm.request.prefill_time', { stat: 'sum' }), 91.046209);
    assert.equal(sampleValue(v1, 'llm.request.decode_time', { stat: 'sum' }), 3435.357453);
    assert.equal(sampleValue(v1, 'llm.request.inference_time', { stat: 'sum' }), 3526.403662);
    assert.equal(sampleValue(v1, 'llm.batch.tokens', { stat: 'sum' }), 7_367_839);
    assert.equal(
      sampleValue(v1, 'gen_ai.client.token.usage', { 'gen_ai.token.type': 'input', stat: 'sum' }),
      762800,
    );
    assert.equal(
      sampleValue(v1, 'gen_ai.client.token.usage', { 'gen_ai.token.type': 'output', stat: 'sum' }),
      110717,
    );
  });

  it('labels every sample with model (from model_name), replica, cluster, engine and scrape time', () => {
    for (const s of v1) {
      assert.equal(s.model, 'Qwen/Qwen3-8B');
      assert.equal(s.replica, 'vllm-qwen3-8b-0');
      assert.equal(s.cluster, 'us-east-1');
      assert.equal(s.engine, 'vllm');
      assert.equal(s.timeMs, context.timeMs);
    }
    assert.ok(!v1.some((s) => s.name.includes('created')), '_created series are dropped');
  });

  it('reads V0 names (gpu_cache_usage_perc, time_in_queue) into the same canonical metrics', () => {
    const v0 = normalize('vllm-v0-metrics-synthetic.prom');
    const text = readFileSync(`${FIXTURES}/vllm-v0-metrics-synthetic.prom`, 'utf8');
    const raw = (name: string) => Number(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'm').exec(text)?.[1]);
    assert.equal(sampleValue(v0, 'llm.kv_cache.usage'), raw('vllm:gpu_cache_usage_perc'));
    assert.equal(sampleValue(v0, 'llm.requests.running'), raw('vllm:num_requests_running'));
    assert.equal(sampleValue(v0, 'llm.preemptions'), raw('vllm:num_preemptions_total'));
  });

  it('converts early-V1 prefix-cache counters that counted blocks into tokens', () => {
    const early = normalize('issue-production-stack-318-vllm-early-v1-excerpt.prom');
    const text = readFileSync(`${FIXTURES}/issue-production-stack-318-vllm-early-v1-excerpt.prom`, 'utf8');
    const blocks = Number(/^vllm:gpu_prefix_cache_queries_total\{[^}]*\} (\S+)$/m.exec(text)?.[1]);
    const blockSize = Number(/block_size="(\d+)"/.exec(text)?.[1]);
    const queries = early.filter((s) => s.name === 'llm.prefix_cache.queries');
    if (blockSize > 0)
      assert.deepEqual(
        queries.map((s) => s.value),
        [blocks * blockSize],
      );
    else assert.deepEqual(queries, [], 'without the block size the block counts are skipped, never guessed');
  });

  it('detects vLLM expositions, and not the production-stack router or other engines', () => {
    const families = (text: string) => parseExposition(text).families;
    assert.ok(
      vllmAdapter.detect(families(readFileSync(`${FIXTURES}/vllm-v1-metrics-synthetic.prom`, 'utf8'))) > 0.9,
    );
    assert.equal(
      vllmAdapter.detect(families('vllm:num_requests_running{server="http://10.0.0.1:8000"} 3\n')),
      0,
    );
    assert.equal(
      vllmAdapter.detect(
        families(readFileSync(`${ENGINE_FIXTURES}/sglang/sglang-current-metrics-synthetic.prom`, 'utf8')),
      ),
      0,
    );
  });
});
