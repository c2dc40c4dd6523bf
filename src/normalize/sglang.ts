import type { Sample } from '../collect/scrape/exposition.ts';
import { SampleBuilder, familyMap, presenceScore, sumOf, type EngineAdapter } from './adapter.ts';

/**
 * SGLang (engines.md §3). Scheduler series carry rank labels and, by default, only the TP-0
 * leader reports: pool-level values come from the leader series, never summed over ranks.
 * Totals with priority scheduling carry `priority=""`.
 */
function isLeaderTotal(s: Sample): boolean {
  const { tp_rank, pp_rank, priority } = s.labels;
  return (
    (tp_rank === undefined || tp_rank === '0') &&
    (pp_rank === undefined || pp_rank === '0') &&
    (priority === undefined || priority === '')
  );
}

export const sglangAdapter: EngineAdapter = {
  source: 'sglang',

  detect(families) {
    return presenceScore(families, 'sglang:', [
      'sglang:num_running_reqs',
      'sglang:num_queue_reqs',
      'sglang:token_usage',
      'sglang:time_to_first_token_seconds',
    ]);
  },

  normalize(families, context) {
    const byName = familyMap(families);
    const out = new SampleBuilder(context, 'sglang');
    const exposedModel = families.flatMap((f) => f.samples).find((s) => s.labels.model_name)
      ?.labels.model_name;
    const modelOf = (s: Sample) => s.labels.model_name ?? exposedModel;
    const leader = (name: string) => (byName.get(name)?.samples ?? []).filter(isLeaderTotal);
    const copy = (from: string, to: string) => {
      for (const s of leader(from))
        out.add(to, s.value, modelOf(s), s.labels.dp_rank ? { dp_rank: s.labels.dp_rank } : {});
    };
    copy('sglang:num_running_reqs', 'llm.requests.running');
    copy('sglang:num_queue_reqs', 'llm.requests.waiting');
    copy('sglang:token_usage', 'llm.kv_cache.usage');
    copy('sglang:max_total_num_tokens', 'llm.kv_cache.capacity');
    copy('sglang:num_running_reqs', 'llm.batch.size');
    copy('sglang:num_retracted_requests_total', 'llm.preemptions');
    copy('sglang:generation_tokens_total', 'llm.tokens.generated');
    copy('sglang:prompt_tokens_total', 'llm.tokens.prompt');
    // Every prompt token is looked up in the radix cache.
    copy('sglang:prompt_tokens_total', 'llm.prefix_cache.queries');
    for (const s of leader('sglang:realtime_tokens_total')) {
      if (s.labels.mode === 'prefill_compute') out.add('llm.tokens.prompt_computed', s.value, modelOf(s));
    }
    // cached_tokens_total is split by cache_source; `total` is a fallback series, never added to the others.
    const cached = byName.get('sglang:cached_tokens_total');
    if (cached && cached.samples.length > 0) {
      const total = cached.samples.find((s) => s.labels.cache_source === 'total');
      const value = total ? total.value : sumOf(cached);
      const model = modelOf(cached.samples[0] as Sample);
      out.add('llm.tokens.prompt_cached', value, model);
      out.add('llm.prefix_cache.hits', value, model);
    }
    // num_requests_total counts every finished request, aborted ones included.
    const finished = leader('sglang:num_requests_total')[0];
    if (finished) {
      const aborted = leader('sglang:num_aborted_requests_total')[0]?.value ?? 0;
      out.add('llm.requests.finished', finished.value - aborted, modelOf(finished), {
        outcome: 'ok',
        reason: 'finished',
      });
      out.add('llm.requests.finished', aborted, modelOf(finished), { outcome: 'cancelled', reason: 'abort' });
    }
    const histogram = (
      from: string,
      to: string,
      filter: (s: Sample) => boolean = () => true,
      extra: Record<string, string> = {},
    ) => {
      const family = byName.get(from);
      if (family)
        out.histogram(
          { ...family, samples: family.samples.filter((s) => isLeaderTotal(s) && filter(s)) },
          to,
          modelOf,
          extra,
        );
    };
    histogram('sglang:time_to_first_token_seconds', 'gen_ai.server.time_to_first_token');
    histogram('sglang:e2e_request_latency_seconds', 'gen_ai.server.request.duration');
    // Per token, not per step (engines.md §13.3): the label says so.
    histogram('sglang:inter_token_latency_seconds', 'llm.request.inter_token_latency', () => true, {
      per: 'token',
    });
    histogram('sglang:time_per_output_token_seconds', 'llm.request.inter_token_latency', () => true, {
      per: 'token',
    });
    histogram('sglang:queue_time_seconds', 'llm.request.queue_time');
    histogram(
      'sglang:per_stage_req_latency_seconds',
      'llm.request.prefill_time',
      (s) => s.labels.stage === 'prefill_forward',
    );
    histogram('sglang:prompt_tokens_histogram', 'gen_ai.client.token.usage', () => true, {
      'gen_ai.token.type': 'input',
    });
    histogram('sglang:generation_tokens_histogram', 'gen_ai.client.token.usage', () => true, {
      'gen_ai.token.type': 'output',
    });
    return out.samples;
  },
};
