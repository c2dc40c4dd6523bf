import type { MetricFamily, Sample } from '../collect/scrape/exposition.ts';
import type { MetricSample } from '../model/metric-sample.ts';
import {
  SampleBuilder,
  familyMap,
  presenceScore,
  type EngineAdapter,
  type NormalizeContext,
} from './adapter.ts';

/** vLLM finished_reason → canonical outcome (engines.md §2.1: aborts and errors count as "success"). */
const OUTCOME: Record<string, string> = {
  stop: 'ok',
  length: 'ok',
  repetition: 'ok',
  abort: 'cancelled',
  error: 'error',
};

/** Families that are plain renames across versions (engines.md §2.2), newest first. */
const GAUGES: [canonical: string, names: string[]][] = [
  ['llm.requests.running', ['vllm:num_requests_running']],
  ['llm.requests.waiting', ['vllm:num_requests_waiting']],
  ['llm.kv_cache.usage', ['vllm:kv_cache_usage_perc', 'vllm:gpu_cache_usage_perc']],
];

const COUNTERS: [canonical: string, names: string[]][] = [
  ['llm.preemptions', ['vllm:num_preemptions_total', 'vllm:num_preemptions']],
  ['llm.tokens.prompt', ['vllm:prompt_tokens_total', 'vllm:prompt_tokens']],
  ['llm.tokens.prompt_cached', ['vllm:prompt_tokens_cached_total']],
  ['llm.tokens.generated', ['vllm:generation_tokens_total', 'vllm:generation_tokens']],
  ['llm.spec_decode.draft_tokens', ['vllm:spec_decode_num_draft_tokens_total']],
  ['llm.spec_decode.accepted_tokens', ['vllm:spec_decode_num_accepted_tokens_total']],
];

const HISTOGRAMS: [canonical: string, names: string[], extra?: Record<string, string>][] = [
  ['gen_ai.server.time_to_first_token', ['vllm:time_to_first_token_seconds']],
  ['gen_ai.server.request.duration', ['vllm:e2e_request_latency_seconds']],
  ['gen_ai.server.time_per_output_token', ['vllm:request_time_per_output_token_seconds']],
  // Renamed in v0.11; the old name meant the same per-step gap in V1 (§2.2).
  [
    'llm.request.inter_token_latency',
    ['vllm:inter_token_latency_seconds', 'vllm:time_per_output_token_seconds'],
  ],
  ['llm.request.queue_time', ['vllm:request_queue_time_seconds', 'vllm:time_in_queue_requests']],
  ['llm.request.prefill_time', ['vllm:request_prefill_time_seconds']],
  ['llm.request.decode_time', ['vllm:request_decode_time_seconds']],
  ['llm.request.inference_time', ['vllm:request_inference_time_seconds']],
  ['llm.batch.tokens', ['vllm:iteration_tokens_total']],
  // Sampled KV block residency, only with --kv-cache-metrics (engines.md §2.1).
  ['llm.kv_cache.block_lifetime', ['vllm:kv_block_lifetime_seconds']],
  ['llm.kv_cache.block_idle_before_evict', ['vllm:kv_block_idle_before_evict_seconds']],
  ['llm.kv_cache.block_reuse_gap', ['vllm:kv_block_reuse_gap_seconds']],
  ['gen_ai.client.token.usage', ['vllm:request_prompt_tokens'], { 'gen_ai.token.type': 'input' }],
  ['gen_ai.client.token.usage', ['vllm:request_generation_tokens'], { 'gen_ai.token.type': 'output' }],
];

/** The vLLM production-stack router re-exports vLLM-looking gauges with a `server` label (§1.6). */
function isRouterSeries(s: Sample): boolean {
  return 'server' in s.labels && !('model_name' in s.labels);
}

export const vllmAdapter: EngineAdapter = {
  source: 'vllm',

  detect(families) {
    const engineSeries = families.some(
      (f) => f.name.startsWith('vllm:') && f.samples.some((s) => !isRouterSeries(s)),
    );
    const declaredOnly = families.some((f) => f.name.startsWith('vllm:') && f.samples.length === 0);
    if (!engineSeries && !declaredOnly) return 0;
    return presenceScore(families, 'vllm:', [
      'vllm:num_requests_running',
      'vllm:time_to_first_token_seconds',
      'vllm:generation_tokens_total',
    ]);
  },

  normalize(families: readonly MetricFamily[], context: NormalizeContext): MetricSample[] {
    const byName = familyMap(families);
    const out = new SampleBuilder(context, 'vllm');
    // cache_config_info has no model_name: fall back to the model the rest of the exposition names.
    const exposedModel = families.flatMap((f) => f.samples).find((s) => s.labels.model_name)
      ?.labels.model_name;
    const modelOf = (s: Sample) => s.labels.model_name ?? exposedModel;
    const first = (names: string[]) => names.map((n) => byName.get(n)).find((f) => f && f.samples.length > 0);
    for (const [canonical, names] of [...GAUGES, ...COUNTERS]) {
      const family = first(names);
      for (const s of family?.samples ?? []) {
        if (isRouterSeries(s) || s.name.endsWith('_created')) continue;
        out.add(canonical, s.value, modelOf(s));
      }
    }
    // Block size, for capacity and for v0.8 prefix counters that counted blocks.
    const config = byName.get('vllm:cache_config_info')?.samples[0];
    const blockSize = Number(config?.labels.block_size ?? 0);
    if (config && blockSize > 0 && config.labels.num_gpu_blocks) {
      out.add('llm.kv_cache.capacity', Number(config.labels.num_gpu_blocks) * blockSize, modelOf(config));
    }
    for (const [canonical, names] of [
      [
        'llm.prefix_cache.queries',
        ['vllm:prefix_cache_queries_total', 'vllm:gpu_prefix_cache_queries_total'],
      ],
      ['llm.prefix_cache.hits', ['vllm:prefix_cache_hits_total', 'vllm:gpu_prefix_cache_hits_total']],
    ] as const) {
      const family = first([...names]);
      if (!family) continue;
      // v0.8 counted blocks ("in terms of queried blocks"), later versions tokens (§2.2).
      const inBlocks = /blocks/i.test(family.help ?? '');
      if (inBlocks && !(blockSize > 0)) continue; // cannot convert without the block size: skip, never guess
      for (const s of family.samples) {
        if (isRouterSeries(s) || s.name.endsWith('_created')) continue;
        out.add(canonical, inBlocks ? s.value * blockSize : s.value, modelOf(s));
      }
    }
    for (const s of byName.get('vllm:prompt_tokens_by_source_total')?.samples ?? []) {
      if (s.labels.source === 'local_compute' && !s.name.endsWith('_created'))
        out.add('llm.tokens.prompt_computed', s.value, modelOf(s));
    }
    for (const s of byName.get('vllm:request_success_total')?.samples ?? []) {
      if (s.name.endsWith('_created')) continue;
      out.add('llm.requests.finished', s.value, modelOf(s), {
        outcome: OUTCOME[s.labels.finished_reason ?? ''] ?? 'ok',
        reason: s.labels.finished_reason ?? '',
      });
    }
    for (const [canonical, names, extra] of HISTOGRAMS) {
      const family = first(names);
      if (family) out.histogram(family, canonical, modelOf, extra);
    }
    return out.samples;
  },
};
