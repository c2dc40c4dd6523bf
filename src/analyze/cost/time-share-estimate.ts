import type { InferenceRequest } from '../../model/request.ts';
import type { MetricSample } from '../../model/metric-sample.ts';
import type { PriceBook } from './price-book.ts';

export interface ReplicaHardware {
  gpuType: string;
  gpuCount: number;
}

/** Marks a cost as estimated from time share, not attributed step by step. */
export const ESTIMATED_COST_ATTRIBUTE = 'kb.cost';
export const TIME_SHARE_ESTIMATE = 'estimated:time-share';

const RUNNING_METRIC = 'llm.requests.running';

/**
 * Prices requests collected from real engines, which report no per-step work: the replica's
 * $/hour × the request's wall time ÷ how many requests the replica was running (its latest
 * `llm.requests.running` gauge). Batched requests share the GPU, so dividing by the batch keeps a
 * replica's estimated total close to its actual busy cost; the simulator's step attribution is
 * exact where this is an estimate, and rows carry `kb.cost: estimated:time-share` to say so.
 */
export class TimeShareCostEstimator {
  private readonly running = new Map<string, number>();

  constructor(
    private readonly prices: PriceBook,
    private readonly hardware: (replica: string) => ReplicaHardware | undefined,
  ) {}

  observeSamples(samples: readonly MetricSample[]): void {
    for (const s of samples) if (s.name === RUNNING_METRIC) this.running.set(s.replica, s.value);
  }

  /** Fills costUsd (and GPU type/count) in place; leaves it null when the hardware or price is unknown. */
  price(request: InferenceRequest): void {
    if (request.costUsd !== null || request.e2eUs === null) return;
    const known =
      this.hardware(request.replica) ??
      (request.gpuType !== 'unknown' ? { gpuType: request.gpuType, gpuCount: request.gpuCount } : undefined);
    if (!known) return;
    let usdPerGpuHour: number;
    try {
      usdPerGpuHour = this.prices.usdPerGpuHour(known.gpuType, request.cluster);
    } catch {
      return; // An unpriced GPU type stays unpriced (counted as such in chargeback), never $0.
    }
    const concurrency = Math.max(1, this.running.get(request.replica) ?? 1);
    request.gpuType = known.gpuType;
    request.gpuCount = known.gpuCount;
    request.costUsd = (usdPerGpuHour * known.gpuCount * (request.e2eUs / 3.6e9)) / concurrency;
    request.attributes = { ...request.attributes, [ESTIMATED_COST_ATTRIBUTE]: TIME_SHARE_ESTIMATE };
  }
}
