import type { EngineReplica } from '../engine.ts';
import { ExpositionWriter, type Labels } from './prom-text.ts';

/** vLLM V1 `/metrics` (engines.md §2.1), prometheus_client single-process text format. */
export function renderVllm(replica: EngineReplica): string {
  const s = replica.stats;
  const base: Labels = { engine: '0', model_name: replica.config.card.servedName };
  const created = s.startedAtSeconds;
  const w = new ExpositionWriter();
  const one = (value: number): [Labels, number][] => [[base, value]];
  w.gauge(
    'vllm:num_requests_running',
    'Number of requests in model execution batches.',
    one(replica.running.length),
  );
  w.gauge(
    'vllm:num_requests_waiting',
    'Number of requests waiting to be processed.',
    one(replica.waiting.length),
  );
  w.gauge('vllm:num_requests_waiting_by_reason', 'Number of waiting requests by reason.', [
    [{ ...base, reason: 'capacity' }, replica.waiting.length],
    [{ ...base, reason: 'deferred' }, 0],
  ]);
  w.gauge('vllm:engine_sleep_state', 'Engine sleep state.', [
    [{ ...base, sleep_state: 'awake' }, 1],
    [{ ...base, sleep_state: 'weights_offloaded' }, 0],
    [{ ...base, sleep_state: 'discard_all' }, 0],
  ]);
  w.gauge('vllm:kv_cache_usage_perc', 'KV-cache usage. 1 means 100 percent usage.', one(replica.pool.usage));
  w.counter(
    'vllm:prefix_cache_queries',
    'Prefix cache queries, in terms of number of queried tokens.',
    one(s.prefixQueries),
    created,
  );
  w.counter(
    'vllm:prefix_cache_hits',
    'Prefix cache hits, in terms of number of cached tokens.',
    one(s.prefixHits),
    created,
  );
  w.counter(
    'vllm:external_prefix_cache_queries',
    'External prefix cache queries, in tokens.',
    one(0),
    created,
  );
  w.counter('vllm:external_prefix_cache_hits', 'External prefix cache hits, in tokens.', one(0), created);
  w.counter('vllm:mm_cache_queries', 'Multi-modal cache queries, in items.', one(0), created);
  w.counter('vllm:mm_cache_hits', 'Multi-modal cache hits, in items.', one(0), created);
  w.counter(
    'vllm:num_preemptions',
    'Cumulative number of preemption from the engine.',
    one(s.preemptions),
    created,
  );
  w.counter('vllm:prompt_tokens', 'Number of prefill tokens processed.', one(s.promptTokens), created);
  w.counter(
    'vllm:prompt_tokens_by_source',
    'Number of prompt tokens by source.',
    [
      [{ ...base, source: 'local_compute' }, s.promptTokensComputed],
      [{ ...base, source: 'local_cache_hit' }, s.promptTokensCached],
      [{ ...base, source: 'external_kv_transfer' }, 0],
    ],
    created,
  );
  w.counter(
    'vllm:prompt_tokens_cached',
    'Number of cached prompt tokens (local + external).',
    one(s.promptTokensCached),
    created,
  );
  w.counter(
    'vllm:generation_tokens',
    'Number of generation tokens processed.',
    one(s.generationTokens),
    created,
  );
  w.counter(
    'vllm:request_success',
    'Count of successfully processed requests.',
    (['stop', 'length', 'abort', 'error', 'repetition'] as const).map((reason) => [
      { ...base, finished_reason: reason },
      reason === 'repetition' ? 0 : s.finishedByReason[reason],
    ]),
    created,
  );
  w.histogram(
    'vllm:request_prompt_tokens',
    'Number of prefill tokens processed.',
    [[base, s.promptTokensHist]],
    created,
  );
  w.histogram(
    'vllm:request_generation_tokens',
    'Number of generation tokens processed.',
    [[base, s.generationTokensHist]],
    created,
  );
  w.histogram(
    'vllm:iteration_tokens_total',
    'Histogram of number of tokens per engine_step.',
    [[base, s.iterationTokens]],
    created,
  );
  w.histogram(
    'vllm:request_max_num_generation_tokens',
    'Histogram of maximum number of requested generation tokens.',
    [[base, s.maxGenerationTokensHist]],
    created,
  );
  w.histogram('vllm:request_params_n', 'Histogram of the n request parameter.', [[base, s.nParam]], created);
  w.histogram(
    'vllm:request_params_max_tokens',
    'Histogram of the max_tokens request parameter.',
    [[base, s.maxTokensParam]],
    created,
  );
  w.histogram(
    'vllm:time_to_first_token_seconds',
    'Histogram of time to first token in seconds.',
    [[base, s.ttft]],
    created,
  );
  w.histogram(
    'vllm:inter_token_latency_seconds',
    'Histogram of inter-token latency in seconds.',
    [[base, s.itl]],
    created,
  );
  w.histogram(
    'vllm:request_time_per_output_token_seconds',
    'Histogram of time_per_output_token_seconds per request.',
    [[base, s.tpot]],
    created,
  );
  w.histogram(
    'vllm:e2e_request_latency_seconds',
    'Histogram of e2e request latency in seconds.',
    [[base, s.e2e]],
    created,
  );
  w.histogram(
    'vllm:request_queue_time_seconds',
    'Histogram of time spent in WAITING phase for request.',
    [[base, s.queue]],
    created,
  );
  w.histogram(
    'vllm:request_inference_time_seconds',
    'Histogram of time spent in RUNNING phase for request.',
    [[base, s.inference]],
    created,
  );
  w.histogram(
    'vllm:request_prefill_time_seconds',
    'Histogram of time spent in PREFILL phase for request.',
    [[base, s.prefill]],
    created,
  );
  w.histogram(
    'vllm:request_decode_time_seconds',
    'Histogram of time spent in DECODE phase for request.',
    [[base, s.decode]],
    created,
  );
  w.histogram(
    'vllm:request_prefill_kv_computed_tokens',
    'Histogram of new KV tokens computed during prefill (excluding cached tokens).',
    [[base, s.prefillComputedTokensHist]],
    created,
  );
  if (replica.config.kvCacheMetricsSample !== null) {
    w.histogram(
      'vllm:kv_block_lifetime_seconds',
      'Histogram of KV cache block lifetime from allocation to eviction. Sampled metrics (controlled by --kv-cache-metrics-sample).',
      [[base, s.kvBlockLifetime]],
      created,
    );
    w.histogram(
      'vllm:kv_block_idle_before_evict_seconds',
      'Histogram of idle time before KV cache block eviction. Sampled metrics (controlled by --kv-cache-metrics-sample).',
      [[base, s.kvBlockIdleBeforeEvict]],
      created,
    );
    w.histogram(
      'vllm:kv_block_reuse_gap_seconds',
      'Histogram of time gaps between consecutive KV cache block accesses. Sampled metrics (controlled by --kv-cache-metrics-sample).',
      [[base, s.kvBlockReuseGap]],
      created,
    );
  }
  w.gauge('vllm:cache_config_info', 'Information of the LLMEngine CacheConfig', [
    [
      {
        block_size: String(replica.config.blockSize),
        cache_dtype: 'auto',
        enable_prefix_caching: replica.config.prefixCaching ? 'True' : 'False',
        engine: '0',
        gpu_memory_utilization: String(replica.config.gpuMemoryUtilization),
        num_cpu_blocks: '0',
        num_gpu_blocks: String(replica.pool.totalBlocks),
        swap_space_bytes: '0',
      },
      1,
    ],
  ]);
  return w.text();
}
