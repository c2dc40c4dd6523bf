import type { EngineReplica } from '../engine.ts';
import { ExpositionWriter, type Labels } from './prom-text.ts';

/** trtllm-serve `/prometheus/metrics` (engines.md §6.1). Multiprocess-style: no `_created`. */
export function renderTrtllm(replica: EngineReplica): string {
  const s = replica.stats;
  const base: Labels = { engine_type: 'pytorch', model_name: replica.config.card.servedName };
  const one = (value: number): [Labels, number][] => [[base, value]];
  const blockSize = replica.config.blockSize;
  const w = new ExpositionWriter();
  w.counter(
    'trtllm_request_success',
    'Count of successfully processed requests.',
    (['stop', 'length', 'timeout', 'cancelled'] as const).map((reason) => [
      { ...base, finished_reason: reason },
      reason === 'stop'
        ? s.finishedByReason.stop
        : reason === 'length'
          ? s.finishedByReason.length
          : reason === 'cancelled'
            ? s.finishedByReason.abort
            : 0,
    ]),
  );
  w.histogram('trtllm_e2e_request_latency_seconds', 'Histogram of end to end request latency in seconds.', [
    [base, s.e2e],
  ]);
  w.histogram('trtllm_time_to_first_token_seconds', 'Histogram of time to first token in seconds.', [
    [base, s.ttft],
  ]);
  w.histogram('trtllm_time_per_output_token_seconds', 'Histogram of time per output token in seconds.', [
    [base, s.tpot],
  ]);
  w.histogram('trtllm_request_queue_time_seconds', 'Histogram of time spent in WAITING phase for request.', [
    [base, s.queue],
  ]);
  w.histogram(
    'trtllm_request_prefill_time_seconds',
    'Histogram of time spent in PREFILL phase for request.',
    [[base, s.prefill]],
  );
  w.histogram('trtllm_request_decode_time_seconds', 'Histogram of time spent in DECODE phase for request.', [
    [base, s.decode],
  ]);
  w.histogram(
    'trtllm_request_inference_time_seconds',
    'Histogram of time spent in RUNNING phase for request.',
    [[base, s.inference]],
  );
  w.counter('trtllm_prompt_tokens', 'Number of prefill tokens processed.', one(s.promptTokens));
  w.counter('trtllm_generation_tokens', 'Number of generation tokens processed.', one(s.generationTokens));
  const reusedBlocks = Math.round(s.prefixHits / blockSize);
  const missedBlocks = Math.round((s.prefixQueries - s.prefixHits) / blockSize);
  w.gauge(
    'trtllm_kv_cache_hit_rate',
    'KV cache block hit rate (cumulative).',
    one(reusedBlocks + missedBlocks ? reusedBlocks / (reusedBlocks + missedBlocks) : 0),
  );
  w.gauge(
    'trtllm_kv_cache_utilization',
    'KV cache utilization (used blocks / max blocks).',
    one(replica.pool.usage),
  );
  w.gauge('trtllm_kv_cache_host_utilization', 'Host (secondary) KV cache utilization.', one(0));
  w.gauge('trtllm_kv_cache_iter_reuse_rate', 'KV cache block reuse rate in the last iteration.', one(0));
  w.counter('trtllm_kv_cache_reused_blocks', 'Total reused KV cache blocks.', one(reusedBlocks));
  w.counter('trtllm_kv_cache_missed_blocks', 'Total missed KV cache blocks.', one(missedBlocks));
  w.gauge('trtllm_num_requests_running', 'Number of active requests.', one(replica.running.length));
  w.gauge('trtllm_num_requests_waiting', 'Number of queued requests.', one(replica.waiting.length));
  w.counter('trtllm_num_requests_completed', 'Number of completed requests.', one(s.finishedRequests));
  w.gauge(
    'trtllm_max_num_active_requests',
    'Maximum number of active requests.',
    one(replica.config.maxNumSeqs),
  );
  w.gauge(
    'trtllm_iteration_latency_seconds',
    'Latency of the last iteration in seconds.',
    one(s.steps ? s.busySeconds / s.steps : 0),
  );
  w.gauge(
    'trtllm_gpu_memory_usage_bytes',
    'GPU memory usage in bytes.',
    one(
      replica.config.card.params * 2 +
        replica.pool.usedBlocks *
          blockSize *
          2 *
          replica.config.card.layers *
          replica.config.card.kvHeads *
          replica.config.card.headDim *
          2,
    ),
  );
  w.gauge('trtllm_kv_cache_max_blocks', 'Maximum number of KV cache blocks.', one(replica.pool.totalBlocks));
  w.gauge('trtllm_kv_cache_free_blocks', 'Free KV cache blocks.', one(replica.pool.freeBlocks));
  w.gauge('trtllm_kv_cache_used_blocks', 'Used KV cache blocks.', one(replica.pool.usedBlocks));
  w.gauge('trtllm_kv_cache_tokens_per_block', 'Tokens per KV cache block.', one(blockSize));
  const prefilling = replica.running.filter((seq) => seq.kvTokens < seq.prefillTarget).length;
  w.gauge('trtllm_num_context_requests', 'Requests in context (prefill) phase.', one(prefilling));
  w.gauge(
    'trtllm_num_generation_requests',
    'Requests in generation phase.',
    one(replica.running.length - prefilling),
  );
  w.gauge('trtllm_num_paused_requests', 'Paused requests.', one(0));
  return w.text();
}
