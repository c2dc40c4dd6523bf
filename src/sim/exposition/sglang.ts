import type { EngineReplica } from '../engine.ts';
import { ExpositionWriter, type Labels } from './prom-text.ts';

/**
 * SGLang `/metrics` (engines.md §3): scheduler metrics with rank labels, tokenizer metrics with
 * model labels only; prometheus_client in multiprocess mode, so no `_created` series.
 */
export function renderSglang(replica: EngineReplica, nowUs: number): string {
  const s = replica.stats;
  const model_name = replica.config.card.servedName;
  const scheduler: Labels = {
    engine_type: 'unified',
    model_name,
    moe_ep_rank: '0',
    pp_rank: '0',
    tp_rank: '0',
  };
  const tokenizer: Labels = { engine_type: 'unified', model_name };
  const capacityTokens = replica.pool.totalBlocks * replica.config.blockSize;
  const usedTokens = replica.pool.usedBlocks * replica.config.blockSize;
  const evictableTokens = replica.pool.cachedBlocks * replica.config.blockSize;
  const uptimeSeconds = Math.max(1e-9, nowUs / 1e6 - s.startedAtSeconds);
  const w = new ExpositionWriter();
  const g = (name: string, help: string, value: number) => w.gauge(name, help, [[scheduler, value]]);
  g('sglang:num_running_reqs', 'The number of running requests.', replica.running.length);
  g('sglang:num_queue_reqs', 'The number of requests in the waiting queue.', replica.waiting.length);
  g('sglang:num_grammar_queue_reqs', 'The number of requests in the grammar waiting queue.', 0);
  g('sglang:gen_throughput', 'The generation throughput (token/s).', s.generationTokens / uptimeSeconds);
  g(
    'sglang:cache_hit_rate',
    'The prefix cache hit rate.',
    s.prefixQueries ? s.prefixHits / s.prefixQueries : 0,
  );
  g(
    'sglang:decode_sum_seq_lens',
    'The sum of all sequence lengths in decode.',
    replica.running.reduce((sum, seq) => sum + seq.kvTokens, 0),
  );
  g('sglang:token_usage', 'The token usage.', replica.pool.usage);
  g('sglang:full_token_usage', 'The token usage of the full attention pool.', replica.pool.usage);
  g('sglang:swa_token_usage', 'The token usage of the sliding window attention pool.', 0);
  g('sglang:mamba_usage', 'The usage of the mamba state pool.', 0);
  g('sglang:num_used_tokens', 'The number of used tokens.', usedTokens);
  g('sglang:kv_available_tokens', 'Free KV slots.', capacityTokens - usedTokens - evictableTokens);
  g('sglang:kv_evictable_tokens', 'Evictable cached KV slots.', evictableTokens);
  g('sglang:kv_used_tokens', 'Locked KV slots.', usedTokens);
  g('sglang:max_total_num_tokens', 'Maximum total number of tokens in the KV cache pool.', capacityTokens);
  g('sglang:spec_accept_length', 'The average acceptance length of speculative decoding.', 0);
  g('sglang:spec_accept_rate', 'The acceptance rate of speculative decoding.', 0);
  g('sglang:num_retracted_reqs', 'The number of retracted requests.', 0);
  w.counter('sglang:num_retracted_requests', 'Total number of retracted requests.', [
    [scheduler, s.preemptions],
  ]);
  w.counter('sglang:num_retracted_input_tokens', 'Total input tokens of retracted requests.', [
    [scheduler, s.preemptedTokens - s.preemptedOutputTokens],
  ]);
  w.counter('sglang:num_retracted_output_tokens', 'Total output tokens of retracted requests.', [
    [scheduler, s.preemptedOutputTokens],
  ]);
  g('sglang:num_paused_reqs', 'The number of paused requests by async weight sync.', 0);
  g('sglang:utilization', 'The utilization.', replica.pool.usage);
  g('sglang:new_token_ratio', 'The new token ratio.', 0.7);
  g('sglang:is_cuda_graph', 'Whether the batch is using CUDA graph.', 1);
  w.counter('sglang:realtime_tokens', 'Total number of tokens processed (updated on each log interval).', [
    [{ ...scheduler, mode: 'prefill_compute' }, s.promptTokensComputed],
    [{ ...scheduler, mode: 'prefill_cache' }, s.promptTokensCached],
    [{ ...scheduler, mode: 'decode' }, s.generationTokens],
  ]);
  w.histogram('sglang:queue_time_seconds', 'Histogram of queueing time in seconds.', [[scheduler, s.queue]]);
  w.histogram('sglang:per_stage_req_latency_seconds', 'The latency of each stage of requests.', [
    [{ ...scheduler, stage: 'request_process' }, s.stageQueue],
    [{ ...scheduler, stage: 'prefill_forward' }, s.stagePrefill],
  ]);
  w.gauge('sglang:cache_config_info', 'KV cache configuration.', [
    [{ num_pages: String(replica.pool.totalBlocks), page_size: String(replica.config.blockSize) }, 1],
  ]);
  w.counter('sglang:prompt_tokens', 'Number of prefill tokens processed.', [[tokenizer, s.promptTokens]]);
  w.counter('sglang:generation_tokens', 'Number of generation tokens processed.', [
    [tokenizer, s.generationTokens],
  ]);
  w.counter('sglang:cached_tokens', 'Number of cached prompt tokens by source (device/host/storage).', [
    [{ ...tokenizer, cache_source: 'device' }, s.promptTokensCached],
  ]);
  w.counter('sglang:num_requests', 'Number of requests processed.', [[tokenizer, s.finishedRequests]]);
  w.counter('sglang:num_so_requests', 'Number of structured output requests processed.', [[tokenizer, 0]]);
  w.counter('sglang:num_aborted_requests', 'Number of requests aborted.', [
    [tokenizer, s.finishedByReason.abort + s.finishedByReason.error],
  ]);
  w.histogram('sglang:time_to_first_token_seconds', 'Histogram of time to first token in seconds.', [
    [tokenizer, s.ttft],
  ]);
  w.histogram('sglang:inter_token_latency_seconds', 'Histogram of inter-token latency in seconds.', [
    [tokenizer, s.itl],
  ]);
  w.histogram('sglang:e2e_request_latency_seconds', 'Histogram of End-to-end request latency in seconds', [
    [tokenizer, s.e2e],
  ]);
  w.histogram('sglang:num_retractions', 'Histogram of retractions per request.', [
    [tokenizer, s.retractionsPerRequest],
  ]);
  return w.text();
}
