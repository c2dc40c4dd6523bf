import type { Sample } from '../collect/scrape/exposition.ts';
import { SampleBuilder, familyMap, presenceScore, type EngineAdapter } from './adapter.ts';

const OUTCOME: Record<string, string> = {
  stop: 'ok',
  length: 'ok',
  timeout: 'timeout',
  cancelled: 'cancelled',
};

/** trtllm-serve's Prometheus endpoint (engines.md §6.1). */
export const trtllmAdapter: EngineAdapter = {
  source: 'trtllm',

  detect(families) {
    return presenceScore(families, 'trtllm_', [
      'trtllm_num_requests_running',
      'trtllm_kv_cache_utilization',
      'trtllm_time_to_first_token_seconds',
    ]);
  },

  normalize(families, context) {
    const byName = familyMap(families);
    const out = new SampleBuilder(context, 'trtllm');
    const modelOf = (s: Sample) => s.labels.model_name;
    const one = (name: string) => byName.get(name)?.samples[0];
    const copy = (from: string, to: string, scale = 1) => {
      for (const s of byName.get(from)?.samples ?? []) out.add(to, s.value * scale, modelOf(s));
    };
    copy('trtllm_num_requests_running', 'llm.requests.running');
    copy('trtllm_num_requests_waiting', 'llm.requests.waiting');
    copy('trtllm_kv_cache_utilization', 'llm.kv_cache.usage');
    copy('trtllm_num_scheduled_requests', 'llm.batch.size');
    copy('trtllm_prompt_tokens_total', 'llm.tokens.prompt');
    copy('trtllm_generation_tokens_total', 'llm.tokens.generated');
    copy('trtllm_prompt_cached_tokens_total', 'llm.tokens.prompt_cached');
    copy('trtllm_spec_decode_num_draft_tokens_total', 'llm.spec_decode.draft_tokens');
    copy('trtllm_spec_decode_num_accepted_tokens_total', 'llm.spec_decode.accepted_tokens');
    const tokensPerBlock = one('trtllm_kv_cache_tokens_per_block')?.value;
    const maxBlocks = one('trtllm_kv_cache_max_blocks');
    if (maxBlocks && tokensPerBlock)
      out.add('llm.kv_cache.capacity', maxBlocks.value * tokensPerBlock, modelOf(maxBlocks));
    // Prefix reuse is counted in blocks; tokens only when the block size is known.
    const reused = one('trtllm_kv_cache_reused_blocks_total');
    const missed = one('trtllm_kv_cache_missed_blocks_total');
    if (reused && missed && tokensPerBlock) {
      out.add('llm.prefix_cache.hits', reused.value * tokensPerBlock, modelOf(reused));
      out.add('llm.prefix_cache.queries', (reused.value + missed.value) * tokensPerBlock, modelOf(reused));
    }
    for (const s of byName.get('trtllm_request_success_total')?.samples ?? []) {
      out.add('llm.requests.finished', s.value, modelOf(s), {
        outcome: OUTCOME[s.labels.finished_reason ?? ''] ?? 'ok',
        reason: s.labels.finished_reason ?? '',
      });
    }
    const histograms: [string, string][] = [
      ['trtllm_time_to_first_token_seconds', 'gen_ai.server.time_to_first_token'],
      ['trtllm_e2e_request_latency_seconds', 'gen_ai.server.request.duration'],
      ['trtllm_time_per_output_token_seconds', 'gen_ai.server.time_per_output_token'],
      ['trtllm_request_queue_time_seconds', 'llm.request.queue_time'],
      ['trtllm_request_prefill_time_seconds', 'llm.request.prefill_time'],
      ['trtllm_request_decode_time_seconds', 'llm.request.decode_time'],
      ['trtllm_request_inference_time_seconds', 'llm.request.inference_time'],
    ];
    for (const [from, to] of histograms) {
      const family = byName.get(from);
      if (family) out.histogram(family, to, modelOf);
    }
    return out.samples;
  },
};
