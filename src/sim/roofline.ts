import type { GpuSpec } from './hardware.ts';
import { kvBytesPerToken, weightBytes, type ModelCard } from './model-cards.ts';

/**
 * Step-time model of one engine iteration (slo-and-cost.md §5): prefill is compute-bound,
 * decode memory-bound, tensor parallelism divides both and adds two all-reduces per layer.
 */
export interface RooflineParams {
  /** Achieved share of peak FLOP/s (prefill). Reference: 0.6–0.7. */
  flopsEfficiency: number;
  /** Achieved share of peak HBM bandwidth (decode). Reference: 0.7–0.85. */
  bandwidthEfficiency: number;
  /** Scheduler, sampling and launch overhead per step. */
  stepOverheadUs: number;
  /** Fixed cost of one all-reduce (launch and synchronization). */
  allReduceLatencyUs: number;
}

export const DEFAULT_ROOFLINE: RooflineParams = {
  flopsEfficiency: 0.65,
  bandwidthEfficiency: 0.8,
  stepOverheadUs: 1500,
  allReduceLatencyUs: 8,
};

/** What one step computes. */
export interface StepWork {
  /** New prompt tokens computed this step (prefill chunks). */
  prefillTokens: number;
  /** Σ over prefill tokens of the context each attends to (its position). */
  prefillAttentionContext: number;
  /** Sequences decoding one token each. */
  decodeSeqs: number;
  /** Σ context length of the decoding sequences: KV read from HBM. */
  decodeContextTokens: number;
}

export interface StepTime {
  computeUs: number;
  memoryUs: number;
  communicationUs: number;
  overheadUs: number;
  totalUs: number;
}

/** Conditions a fault can put on a replica (sim/faults.ts). */
export interface StepSlowdown {
  /** ≥ 1: the slowest GPU of the TP group gates every step (a straggler). */
  gpuSlowdown: number;
  /** ≥ 1: interconnect (NCCL) slowdown on all-reduces. */
  interconnectSlowdown: number;
}

export const NO_SLOWDOWN: StepSlowdown = { gpuSlowdown: 1, interconnectSlowdown: 1 };

/** Weight bytes read in one step: all of a dense model; for MoE only the experts touched. */
export function weightBytesRead(card: ModelCard, tokens: number): number {
  if (!card.moe || tokens === 0) return weightBytes(card);
  const { expertParams, experts, expertsPerToken } = card.moe;
  // Expected share of experts touched when each token picks expertsPerToken of them.
  const touched = 1 - Math.pow(1 - expertsPerToken / experts, tokens);
  return (card.params - expertParams + expertParams * touched) * 2;
}

export function stepTime(
  work: StepWork,
  card: ModelCard,
  gpu: GpuSpec,
  tensorParallel: number,
  params: RooflineParams = DEFAULT_ROOFLINE,
  slowdown: StepSlowdown = NO_SLOWDOWN,
): StepTime {
  const tokens = work.prefillTokens + work.decodeSeqs;
  if (tokens === 0) return { computeUs: 0, memoryUs: 0, communicationUs: 0, overheadUs: 0, totalUs: 0 };
  const flops =
    2 * card.activeParams * tokens +
    // Attention: QKᵀ and AV, 2 FLOPs per multiply-add over hidden for each (token, context) pair.
    4 * card.layers * card.hidden * (work.prefillAttentionContext + work.decodeContextTokens);
  const computeUs = (flops / (gpu.bf16Tflops * 1e12 * params.flopsEfficiency * tensorParallel)) * 1e6;
  const bytes = weightBytesRead(card, tokens) + work.decodeContextTokens * kvBytesPerToken(card);
  const memoryUs =
    (bytes / (gpu.memoryBandwidthBytesPerSec * params.bandwidthEfficiency * tensorParallel)) * 1e6;
  let communicationUs = 0;
  if (tensorParallel > 1) {
    // Two all-reduces per layer of tokens × hidden BF16 activations; a ring moves 2(N−1)/N of it.
    const bytesPerAllReduce = tokens * card.hidden * 2 * ((2 * (tensorParallel - 1)) / tensorParallel);
    const perAllReduceUs =
      params.allReduceLatencyUs + (bytesPerAllReduce / gpu.interconnectBytesPerSec) * 1e6;
    communicationUs = 2 * card.layers * perAllReduceUs * slowdown.interconnectSlowdown;
  }
  const gpuUs = Math.max(computeUs, memoryUs) * slowdown.gpuSlowdown;
  const totalUs = gpuUs + communicationUs + params.stepOverheadUs;
  return { computeUs, memoryUs, communicationUs, overheadUs: params.stepOverheadUs, totalUs };
}

/** KV-cache blocks that fit: GPU memory × utilization − weights − activation reserve. */
export function kvCacheBlocks(
  card: ModelCard,
  gpu: GpuSpec,
  tensorParallel: number,
  blockSize: number,
  gpuMemoryUtilization = 0.9,
  activationReserveBytesPerGpu = 2e9,
): number {
  const available =
    gpu.hbmBytes * gpuMemoryUtilization * tensorParallel -
    weightBytes(card) -
    activationReserveBytesPerGpu * tensorParallel;
  if (available <= 0) {
    throw new RangeError(
      `${card.id} does not fit on ${tensorParallel}× ${gpu.name}: weights need ${(weightBytes(card) / 1e9).toFixed(0)} GB`,
    );
  }
  return Math.floor(available / (blockSize * kvBytesPerToken(card)));
}
