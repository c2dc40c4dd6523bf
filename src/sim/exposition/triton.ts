import type { EngineReplica } from '../engine.ts';
import { GPUS } from '../hardware.ts';
import { ExpositionWriter, type Labels } from './prom-text.ts';

/** Families Triton adds beyond the TensorRT-LLM backend's README example (engines.md §6.2). */
export const TRITON_GPU_FAMILIES = [
  'nv_gpu_utilization',
  'nv_gpu_memory_total_bytes',
  'nv_gpu_memory_used_bytes',
  'nv_gpu_power_usage',
  'nv_gpu_power_limit',
  'nv_energy_consumption',
] as const;

/**
 * Triton Inference Server with the TensorRT-LLM backend (engines.md §6.2–6.3): core `nv_inference_*`
 * counters (durations as cumulative µs, no `_total`), backend `nv_trt_llm_*` gauges with one
 * selector label each, and per-GPU `nv_gpu_*` metrics. Labels `model` (the repository name) and
 * `version`; Triton prints integers without a decimal point.
 */
export function renderTriton(replica: EngineReplica, nowUs: number): string {
  const s = replica.stats;
  const base: Labels = { model: 'tensorrt_llm', version: '1' };
  const w = new ExpositionWriter(String);
  const selector = (name: string, help: string, label: string, values: [string, number][]) =>
    w.gauge(
      name,
      help,
      values.map(([value, n]) => [{ ...base, [label]: value }, n]),
    );
  const prefilling = replica.running.filter((seq) => seq.kvTokens < seq.prefillTarget).length;
  selector('nv_trt_llm_request_metrics', 'TRT LLM request metrics', 'request_type', [
    ['context', prefilling],
    ['scheduled', replica.running.length],
    ['max', replica.config.maxNumSeqs],
    ['active', replica.running.length + replica.waiting.length],
    ['waiting', replica.waiting.length],
  ]);
  const card = replica.config.card;
  const weightsPerGpu = (card.params * 2) / replica.config.tensorParallel;
  selector('nv_trt_llm_runtime_memory_metrics', 'TRT LLM runtime memory metrics', 'memory_type', [
    ['pinned', 0],
    ['gpu', Math.round(weightsPerGpu)],
    ['cpu', 0],
  ]);
  selector('nv_trt_llm_kv_cache_block_metrics', 'TRT LLM KV cache block metrics', 'kv_cache_block_type', [
    ['tokens_per', replica.config.blockSize],
    ['used', replica.pool.usedBlocks],
    ['free', replica.pool.freeBlocks],
    ['max', replica.pool.totalBlocks],
    ['fraction', replica.pool.usage],
  ]);
  selector(
    'nv_trt_llm_inflight_batcher_metrics',
    'TRT LLM inflight_batcher-specific metrics',
    'inflight_batcher_specific_metric',
    [
      ['micro_batch_id', 0],
      ['generation_requests', replica.running.length - prefilling],
      [
        'total_context_tokens',
        replica.running.reduce((sum, seq) => sum + (seq.kvTokens < seq.prefillTarget ? seq.kvTokens : 0), 0),
      ],
      ['paused_requests', 0],
    ],
  );
  selector('nv_trt_llm_general_metrics', 'General TRT LLM metrics', 'general_type', [
    ['iteration_counter', s.steps],
    ['timestamp', Math.floor(nowUs / 1e6)],
  ]);
  const counter = (name: string, help: string, value: number) =>
    w.header(name, 'counter', help).sample(name, base, value);
  const ok = s.finishedByReason.stop + s.finishedByReason.length;
  counter('nv_inference_request_success', 'Number of successful inference requests, all batch sizes', ok);
  counter(
    'nv_inference_request_failure',
    'Number of failed inference requests, all batch sizes',
    s.finishedByReason.error + s.finishedByReason.abort,
  );
  counter('nv_inference_count', 'Number of inferences performed (does not include cached requests)', ok);
  counter(
    'nv_inference_exec_count',
    'Number of model executions performed (does not include cached requests)',
    s.steps,
  );
  // Decoupled (streaming) models record durations when the whole request completes.
  counter(
    'nv_inference_request_duration_us',
    'Cumulative inference request duration in microseconds (includes cached requests)',
    Math.round(s.e2e.sum * 1e6),
  );
  counter(
    'nv_inference_queue_duration_us',
    'Cumulative inference queuing duration in microseconds (includes cached requests)',
    Math.round(s.queue.sum * 1e6),
  );
  counter(
    'nv_inference_compute_input_duration_us',
    'Cumulative compute input duration in microseconds (does not include cached requests)',
    Math.round(ok * 120),
  );
  counter(
    'nv_inference_compute_infer_duration_us',
    'Cumulative compute inference duration in microseconds (does not include cached requests)',
    Math.round(s.inference.sum * 1e6),
  );
  counter(
    'nv_inference_compute_output_duration_us',
    'Cumulative inference compute output duration in microseconds (does not include cached requests)',
    Math.round(ok * 80),
  );
  w.gauge(
    'nv_inference_pending_request_count',
    'Instantaneous number of pending requests awaiting execution per-model.',
    [[base, replica.waiting.length]],
  );
  const gpu = GPUS[replica.config.gpuType];
  const uptime = Math.max(1e-9, nowUs / 1e6 - s.startedAtSeconds);
  const utilization = Math.min(1, s.busySeconds / uptime);
  const gpus = Array.from({ length: replica.config.tensorParallel }, (_, i) => ({
    gpu_uuid: `GPU-${replica.config.replica}-${i}`,
  }));
  const perGpu = (name: string, help: string, value: number, type: 'gauge' | 'counter' = 'gauge') => {
    w.header(name, type, help);
    for (const labels of gpus) w.sample(name, labels, value);
  };
  perGpu('nv_gpu_utilization', 'GPU utilization rate [0.0 - 1.0)', Number(utilization.toFixed(4)));
  perGpu('nv_gpu_memory_total_bytes', 'GPU total memory, in bytes', gpu.hbmBytes);
  perGpu(
    'nv_gpu_memory_used_bytes',
    'GPU used memory, in bytes',
    Math.round(gpu.hbmBytes * replica.config.gpuMemoryUtilization),
  );
  perGpu(
    'nv_gpu_power_usage',
    'GPU power usage in watts',
    Number((gpu.idleWatts + (gpu.maxWatts - gpu.idleWatts) * utilization).toFixed(3)),
  );
  perGpu('nv_gpu_power_limit', 'GPU power management limit in watts', gpu.maxWatts);
  perGpu(
    'nv_energy_consumption',
    'GPU energy consumption in joules since the Triton Server started',
    Math.round(gpu.idleWatts * uptime + (gpu.maxWatts - gpu.idleWatts) * s.busySeconds),
    'counter',
  );
  return w.text();
}
