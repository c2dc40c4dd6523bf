import { SampleBuilder, familyMap, presenceScore, sumOf, type EngineAdapter } from './adapter.ts';

/**
 * Triton with the TensorRT-LLM backend (engines.md §6.2–6.3). `model` is the repository name
 * (e.g. tensorrt_llm), so the target's model wins when configured. Triton's request durations are
 * cumulative µs counters: they become a histogram's sum and count only (a mean, no buckets).
 */
export const tritonAdapter: EngineAdapter = {
  source: 'triton',

  detect(families) {
    return presenceScore(families, 'nv_', [
      'nv_inference_request_success',
      'nv_trt_llm_request_metrics',
      'nv_inference_pending_request_count',
    ]);
  },

  normalize(families, context) {
    const byName = familyMap(families);
    const out = new SampleBuilder(context, 'triton');
    const model =
      context.target.model ?? byName.get('nv_inference_request_success')?.samples[0]?.labels.model;
    const selector = (family: string, label: string, value: string) =>
      byName.get(family)?.samples.find((s) => s.labels[label] === value)?.value;
    const running = selector('nv_trt_llm_request_metrics', 'request_type', 'scheduled');
    if (running !== undefined) {
      out.add('llm.requests.running', running, model);
      out.add('llm.batch.size', running, model);
    }
    // Newer backends report `waiting`; older ones only have Triton's own pending count.
    const waiting =
      selector('nv_trt_llm_request_metrics', 'request_type', 'waiting') ??
      byName.get('nv_inference_pending_request_count')?.samples[0]?.value;
    if (waiting !== undefined) out.add('llm.requests.waiting', waiting, model);
    const block = (type: string) =>
      selector('nv_trt_llm_kv_cache_block_metrics', 'kv_cache_block_type', type);
    const [fraction, used, max, tokensPer] = [
      block('fraction'),
      block('used'),
      block('max'),
      block('tokens_per'),
    ];
    // Read the fraction when present, do not recompute it (§6.3).
    if (fraction !== undefined) out.add('llm.kv_cache.usage', fraction, model);
    else if (used !== undefined && max) out.add('llm.kv_cache.usage', used / max, model);
    if (max !== undefined && tokensPer !== undefined)
      out.add('llm.kv_cache.capacity', max * tokensPer, model);
    const success = byName.get('nv_inference_request_success');
    if (success)
      out.add('llm.requests.finished', sumOf(success), model, { outcome: 'ok', reason: 'success' });
    const REASON_OUTCOME: Record<string, string> = {
      REJECTED: 'rejected',
      CANCELED: 'cancelled',
      BACKEND: 'error',
      OTHER: 'error',
    };
    for (const s of byName.get('nv_inference_request_failure')?.samples ?? []) {
      const reason = s.labels.reason ?? 'OTHER';
      out.add('llm.requests.finished', s.value, model, {
        outcome: REASON_OUTCOME[reason] ?? 'error',
        reason,
      });
    }
    const count = success ? sumOf(success) : 0;
    const mean = (from: string, to: string) => {
      const family = byName.get(from);
      if (!family) return;
      out.add(to, sumOf(family) / 1e6, model, { stat: 'sum' });
      out.add(to, count, model, { stat: 'count' });
    };
    mean('nv_inference_request_duration_us', 'gen_ai.server.request.duration');
    mean('nv_inference_queue_duration_us', 'llm.request.queue_time');
    mean('nv_inference_compute_infer_duration_us', 'llm.request.inference_time');
    const firstResponse = byName.get('nv_inference_first_response_histogram_ms');
    if (firstResponse)
      out.histogram(firstResponse, 'gen_ai.server.time_to_first_token', () => model, {}, 0.001);
    for (const s of byName.get('nv_gpu_utilization')?.samples ?? [])
      out.add('gpu.utilization', s.value, model, { uuid: s.labels.gpu_uuid ?? '' });
    for (const s of byName.get('nv_gpu_memory_used_bytes')?.samples ?? [])
      out.add('gpu.memory.used', s.value, model, { uuid: s.labels.gpu_uuid ?? '' });
    for (const s of byName.get('nv_gpu_power_usage')?.samples ?? [])
      out.add('gpu.power', s.value, model, { uuid: s.labels.gpu_uuid ?? '' });
    for (const s of byName.get('nv_energy_consumption')?.samples ?? [])
      out.add('gpu.energy', s.value, model, { uuid: s.labels.gpu_uuid ?? '' });
    return out.samples;
  },
};
