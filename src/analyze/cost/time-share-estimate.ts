import type { InferenceRequest } from '../../model/request.ts';
import type { MetricSample } from '../../model/metric-sample.ts';
import type { PriceBook, PricingKind } from './price-book.ts';
import { COST_METHOD_ATTRIBUTE, TIME_SHARE_ESTIMATE } from './cost-method.ts';

/** What is known about a replica from its scrape target (and its node's labels). */
export interface ReplicaPlacement {
  /** Unknown when neither the target nor its node labels say. */
  gpuType?: string;
  gpuCount: number;
  /** The node's pricing kind (spot …) when its labels say; else the price book's default. */
  pricingKind?: PricingKind;
  /** A per-node price from the node's labels; wins over the price book. */
  usdPerGpuHour?: number;
  namespace?: string;
  workload?: string;
  node?: string;
  nodePool?: string;
}

/** Labels of the idle-cost samples, so idle shows per namespace, workload, node and node pool. */
function placementLabels(placement: ReplicaPlacement): Record<string, string> {
  const labels: Record<string, string> = {};
  if (placement.namespace) labels.namespace = placement.namespace;
  if (placement.workload) labels.workload = placement.workload;
  if (placement.node) labels.node = placement.node;
  if (placement.nodePool) labels.node_pool = placement.nodePool;
  return labels;
}

const RUNNING_METRIC = 'llm.requests.running';
export const IDLE_COST_METRIC = 'llm.gpu.idle_cost';
/** The GPU time behind that idle cost (GPUs × seconds): what finance's GPU-hours are counted in. */
export const IDLE_GPU_SECONDS_METRIC = 'llm.gpu.idle_gpu_seconds';
/** Longer than any sane scrape interval: a gap this long means the target was unreachable. */
const MAX_IDLE_GAP_MS = 120_000;

/**
 * Prices requests collected from real engines, which report no per-step work: the replica's
 * $/hour × the request's busy time (prefill + decode) ÷ how many requests the replica was running (its latest
 * `llm.requests.running` gauge). Batched requests share the GPU, so dividing by the batch keeps a
 * replica's estimated total close to its actual busy cost; the simulator's step attribution is
 * exact where this is an estimate, and rows carry `kb.cost: estimated:time-share` to say so.
 */
/**
 * Time the request spent on the GPU: prefill + decode when the engine reported them, else e2e
 * less queue time. Queued requests hold no batch slot, and `running` counts only the batch.
 */
function busyUs(request: InferenceRequest): number {
  if (request.prefillUs !== null || request.decodeUs !== null)
    return (request.prefillUs ?? 0) + (request.decodeUs ?? 0);
  return Math.max(0, (request.e2eUs ?? 0) - (request.queueUs ?? 0));
}

/**
 * Cached prompt tokens × what each computed prompt token cost in this request's prefill
 * (its prefill share ÷ computed tokens). Linear in tokens, so it leaves out the attention FLOPs a
 * long cached prefix also spares; null without a hit, a prefill time or any computed token.
 */
function cacheSavings(request: InferenceRequest, usdPerHourShare: number): number | null {
  const computed = request.promptTokens - request.cachedPromptTokens;
  if (request.cachedPromptTokens <= 0 || computed <= 0 || request.prefillUs === null) return null;
  const prefillUsd = (usdPerHourShare * request.prefillUs) / 3.6e9;
  return (prefillUsd / computed) * request.cachedPromptTokens;
}

export class TimeShareCostEstimator {
  private readonly running = new Map<string, number>();
  private readonly lastRunningAtMs = new Map<string, number>();

  constructor(
    private readonly prices: PriceBook,
    private readonly placement: (replica: string) => ReplicaPlacement | undefined,
  ) {}

  /**
   * Tracks each replica's running gauge and returns its idle cost and GPU time since the previous
   * scrape (`llm.gpu.idle_cost`, `llm.gpu.idle_gpu_seconds` increases): the interval counts as idle when the previous scrape saw no
   * running request. Gaps longer than MAX_IDLE_GAP_MS (a target that was down) are not charged.
   */
  observeSamples(samples: readonly MetricSample[]): MetricSample[] {
    const idle: MetricSample[] = [];
    for (const s of samples) {
      if (s.name !== RUNNING_METRIC) continue;
      const previousRunning = this.running.get(s.replica);
      const previousAtMs = this.lastRunningAtMs.get(s.replica);
      this.running.set(s.replica, s.value);
      this.lastRunningAtMs.set(s.replica, s.timeMs);
      if (previousRunning === undefined || previousAtMs === undefined) continue;
      const elapsedMs = s.timeMs - previousAtMs;
      if (elapsedMs <= 0 || elapsedMs > MAX_IDLE_GAP_MS) continue;
      const placement = this.placement(s.replica);
      if (!placement) continue;
      const usdPerHour = this.usdPerHour(placement, s.cluster);
      if (usdPerHour === null) continue;
      const idleMs = previousRunning === 0 ? elapsedMs : 0;
      const sample = (name: string, value: number): MetricSample => ({
        timeMs: s.timeMs,
        name,
        value,
        cluster: s.cluster,
        model: s.model,
        replica: s.replica,
        engine: s.engine,
        labels: placementLabels(placement),
      });
      idle.push(
        sample(IDLE_COST_METRIC, (usdPerHour * idleMs) / 3.6e6),
        sample(IDLE_GPU_SECONDS_METRIC, (placement.gpuCount * idleMs) / 1000),
      );
    }
    return idle;
  }

  /** $/hour for the whole replica; null for a GPU type the price book does not know (never $0). */
  private usdPerHour(known: ReplicaPlacement, cluster: string): number | null {
    if (known.usdPerGpuHour !== undefined) return known.usdPerGpuHour * known.gpuCount;
    if (known.gpuType === undefined) return null;
    const perGpu = this.prices.findUsdPerGpuHour(known.gpuType, cluster, known.pricingKind);
    return perGpu === null ? null : perGpu * known.gpuCount;
  }

  /** Fills costUsd (and GPU type/count) in place; leaves it null when hardware, price or batch size is unknown. */
  price(request: InferenceRequest): void {
    if (request.costUsd !== null || request.e2eUs === null) return;
    const placed = this.placement(request.replica);
    const known: ReplicaPlacement | undefined =
      placed?.gpuType !== undefined || placed?.usdPerGpuHour !== undefined
        ? placed
        : request.gpuType !== 'unknown'
          ? { gpuType: request.gpuType, gpuCount: request.gpuCount }
          : undefined;
    if (!known) return;
    const usdPerHour = this.usdPerHour(known, request.cluster);
    if (usdPerHour === null) return; // stays unpriced (counted as such in chargeback)
    // Before the replica's first scrape the batch size is unknown; guessing 1 could overcharge
    // a busy replica many times over, so the request stays unpriced instead.
    const running = this.running.get(request.replica);
    if (running === undefined) return;
    const concurrency = Math.max(1, running);
    request.gpuType = known.gpuType ?? request.gpuType;
    request.gpuCount = known.gpuCount;
    request.costUsd = (usdPerHour * (busyUs(request) / 3.6e9)) / concurrency;
    request.cacheSavingsUsd = cacheSavings(request, usdPerHour / concurrency);
    request.attributes = { ...request.attributes, [COST_METHOD_ATTRIBUTE]: TIME_SHARE_ESTIMATE };
  }
}
