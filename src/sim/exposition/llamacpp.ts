import type { EngineReplica } from '../engine.ts';
import { ExpositionWriter, cppFloat } from './prom-text.ts';

/**
 * llama-server `/metrics` (engines.md §4.1, 2026 build): no labels, C++ float formatting,
 * and counters that only move at request boundaries. The per-request seconds counters are
 * sums over requests, so overlapping requests add up.
 */
export function renderLlamacpp(replica: EngineReplica, nowUs: number): string {
  const s = replica.stats;
  const w = new ExpositionWriter(cppFloat, false);
  const c = (name: string, help: string, value: number) =>
    w.header(name, 'counter', help).sample(name, {}, value);
  const g = (name: string, help: string, value: number) =>
    w.header(name, 'gauge', help).sample(name, {}, value);
  const uptime = Math.max(1e-9, nowUs / 1e6 - s.startedAtSeconds);
  c('llamacpp:prompt_tokens_total', 'Number of prompt tokens processed.', s.promptTokensComputed);
  c('llamacpp:prompt_seconds_total', 'Prompt process time', s.prefill.sum);
  c('llamacpp:tokens_predicted_total', 'Number of generation tokens processed.', s.generationTokensHist.sum);
  c('llamacpp:tokens_predicted_seconds_total', 'Predict process time', s.decode.sum);
  c('llamacpp:n_decode_total', 'Total number of llama_decode() calls', s.steps);
  c('llamacpp:n_tokens_max', 'Largest observed n_tokens.', replica.config.maxNumBatchedTokens);
  c('llamacpp:spec_decode_num_draft_tokens_total', 'Number of draft tokens proposed.', 0);
  c('llamacpp:spec_decode_num_accepted_tokens_total', 'Number of draft tokens accepted.', 0);
  c('llamacpp:spec_decode_num_drafts_total', 'Number of drafts.', 0);
  g(
    'llamacpp:prompt_tokens_seconds',
    'Average prompt throughput in tokens/s.',
    s.promptTokensComputed / uptime,
  );
  g(
    'llamacpp:predicted_tokens_seconds',
    'Average generation throughput in tokens/s.',
    s.generationTokens / uptime,
  );
  g('llamacpp:requests_processing', 'Number of requests processing.', replica.running.length);
  g('llamacpp:requests_deferred', 'Number of requests deferred.', replica.waiting.length);
  g(
    'llamacpp:n_busy_slots_per_decode',
    'Average number of busy slots per llama_decode() call',
    s.steps ? s.busySlotSteps / s.steps : 0,
  );
  return w.text();
}
