import { SampleBuilder, familyMap, presenceScore, sumOf, type EngineAdapter } from './adapter.ts';

/** TGI `err` label → canonical outcome (engines.md §5). */
const FAILURE_OUTCOME: Record<string, string> = {
  validation: 'rejected',
  overloaded: 'rejected',
  template: 'rejected',
  generation: 'error',
  incomplete: 'error',
  dropped: 'cancelled',
};

/**
 * Hugging Face TGI (engines.md §5): counters without `_total`, no model label, one model per
 * server. There is no TTFT metric; KV usage is estimated from the batch token budget.
 */
export const tgiAdapter: EngineAdapter = {
  source: 'tgi',

  detect(families) {
    return presenceScore(families, 'tgi_', [
      'tgi_queue_size',
      'tgi_batch_current_size',
      'tgi_request_duration',
    ]);
  },

  normalize(families, context) {
    const byName = familyMap(families);
    const out = new SampleBuilder(context, 'tgi');
    const value = (name: string) => byName.get(name)?.samples[0]?.value;
    const copy = (from: string, to: string) => {
      const v = value(from);
      if (v !== undefined) out.add(to, v, undefined);
    };
    copy('tgi_batch_current_size', 'llm.requests.running');
    copy('tgi_batch_current_size', 'llm.batch.size');
    copy('tgi_queue_size', 'llm.requests.waiting');
    copy('tgi_batch_max_total_tokens', 'llm.kv_cache.capacity');
    const budget = value('tgi_batch_current_max_tokens');
    const max = value('tgi_batch_max_total_tokens');
    // The running batch's token budget over the server's maximum: an estimate, labelled so.
    if (budget !== undefined && max)
      out.add('llm.kv_cache.usage', budget / max, undefined, { estimated: 'true' });
    const success = value('tgi_request_success');
    if (success !== undefined)
      out.add('llm.requests.finished', success, undefined, { outcome: 'ok', reason: 'success' });
    for (const s of byName.get('tgi_request_failure')?.samples ?? []) {
      out.add('llm.requests.finished', s.value, undefined, {
        outcome: FAILURE_OUTCOME[s.labels.err ?? ''] ?? 'error',
        reason: s.labels.err ?? '',
      });
    }
    const input = byName.get('tgi_request_input_length');
    if (input) out.add('llm.tokens.prompt', sumOf(input, {}, '_sum'), undefined);
    const generated = byName.get('tgi_request_generated_tokens');
    if (generated) out.add('llm.tokens.generated', sumOf(generated, {}, '_sum'), undefined);
    const histograms: [string, string, Record<string, string>?][] = [
      ['tgi_request_duration', 'gen_ai.server.request.duration'],
      ['tgi_request_queue_duration', 'llm.request.queue_time'],
      ['tgi_request_inference_duration', 'llm.request.inference_time'],
      // Includes prefill (§13.3): not a TPOT, so it is marked estimated.
      [
        'tgi_request_mean_time_per_token_duration',
        'gen_ai.server.time_per_output_token',
        { estimated: 'true' },
      ],
      ['tgi_request_input_length', 'gen_ai.client.token.usage', { 'gen_ai.token.type': 'input' }],
      ['tgi_request_generated_tokens', 'gen_ai.client.token.usage', { 'gen_ai.token.type': 'output' }],
    ];
    for (const [from, to, extra] of histograms) {
      const family = byName.get(from);
      if (family) out.histogram(family, to, () => undefined, extra ?? {});
    }
    return out.samples;
  },
};
