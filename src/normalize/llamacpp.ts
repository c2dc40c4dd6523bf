import { z } from 'zod';
import type { MetricSample } from '../model/metric-sample.ts';
import {
  SampleBuilder,
  familyMap,
  presenceScore,
  type EngineAdapter,
  type NormalizeContext,
} from './adapter.ts';

/**
 * llama.cpp server (engines.md §4). No labels at all: model and replica come from the target.
 * Families are read by meaning, not declared type: `n_busy_slots_per_decode` was declared a
 * counter in 2025 builds but is an average — over the server's whole life, so it reads 2.78 on an
 * idle server. The batch size of a scrape interval is Δ(average × decodes) ÷ Δdecodes.
 */
export const llamacppAdapter: EngineAdapter = {
  source: 'llamacpp',

  detect(families) {
    return presenceScore(families, 'llamacpp:', [
      'llamacpp:requests_processing',
      'llamacpp:requests_deferred',
      'llamacpp:tokens_predicted_total',
    ]);
  },

  normalize(families, context) {
    const byName = familyMap(families);
    const out = new SampleBuilder(context, 'llamacpp');
    const value = (name: string) => byName.get(name)?.samples[0]?.value;
    const copy = (from: string, to: string) => {
      const v = value(from);
      if (v !== undefined) out.add(to, v, undefined);
    };
    copy('llamacpp:requests_processing', 'llm.requests.running');
    copy('llamacpp:requests_deferred', 'llm.requests.waiting');
    const decodes = value('llamacpp:n_decode_total');
    const busyPerDecode = value('llamacpp:n_busy_slots_per_decode');
    if (decodes !== undefined) out.add('llm.batch.steps', decodes, undefined);
    if (decodes !== undefined && busyPerDecode !== undefined)
      out.add('llm.batch.sequence_steps', busyPerDecode * decodes, undefined);
    // Prompt tokens evaluated, cached prefix not counted (§4.1): that is the computed share.
    copy('llamacpp:prompt_tokens_total', 'llm.tokens.prompt_computed');
    copy('llamacpp:prompt_tokens_cached_total', 'llm.tokens.prompt_cached');
    const computed = value('llamacpp:prompt_tokens_total');
    const cached = value('llamacpp:prompt_tokens_cached_total');
    if (computed !== undefined && cached !== undefined)
      out.add('llm.tokens.prompt', computed + cached, undefined);
    copy('llamacpp:tokens_predicted_total', 'llm.tokens.generated');
    copy('llamacpp:spec_decode_num_draft_tokens_total', 'llm.spec_decode.draft_tokens');
    copy('llamacpp:spec_decode_num_accepted_tokens_total', 'llm.spec_decode.accepted_tokens');
    // 2025 builds only (removed by PR #13660); 2026 builds need /slots, see normalizeLlamacppSlots.
    copy('llamacpp:kv_cache_usage_ratio', 'llm.kv_cache.usage');
    return out.samples;
  },

  fromIncreases(increases) {
    const steps = increases.find((s) => s.name === 'llm.batch.steps');
    const sequences = increases.find((s) => s.name === 'llm.batch.sequence_steps');
    if (!steps || !sequences) return [];
    // The average is printed with ~6 significant digits; its product with a large count carries
    // that rounding, so a tiny window can come out slightly off (never below 0).
    const size = steps.value > 0 ? Math.max(0, sequences.value / steps.value) : 0;
    return [{ ...steps, name: 'llm.batch.size', value: size, labels: { ...steps.labels } }];
  },
};

const slot = z
  .object({
    id: z.number(),
    n_ctx: z.number(),
    is_processing: z.boolean(),
    n_prompt_tokens: z.number().optional(),
  })
  .passthrough();

export const llamacppSlots = z.array(slot);

/**
 * llama.cpp `/slots` (engines.md §4.2): KV occupancy = Σ n_prompt_tokens ÷ Σ n_ctx (2026 builds;
 * slots never used report no n_prompt_tokens and hold nothing), capacity = Σ n_ctx.
 */
export function normalizeLlamacppSlots(body: unknown, context: NormalizeContext): MetricSample[] {
  const slots = llamacppSlots.parse(body);
  const out = new SampleBuilder(context, 'llamacpp');
  const capacity = slots.reduce((sum, s) => sum + s.n_ctx, 0);
  const held = slots.reduce((sum, s) => sum + (s.n_prompt_tokens ?? 0), 0);
  out.add('llm.kv_cache.capacity', capacity, undefined);
  if (capacity > 0 && slots.some((s) => s.n_prompt_tokens !== undefined))
    out.add('llm.kv_cache.usage', held / capacity, undefined);
  out.add('llm.requests.running', slots.filter((s) => s.is_processing).length, undefined, {
    source: 'slots',
  });
  out.add('llm.batch.max_sequences', slots.length, undefined);
  return out.samples;
}
