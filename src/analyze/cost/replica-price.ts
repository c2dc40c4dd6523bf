import type { PriceBook, PricingKind } from './price-book.ts';

/** A replica's price and placement, as the cost ledger (ledger/) and the cost reports use them. */

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
  /** Sequences in a full batch (the target's `max_batch`, or llama.cpp's slots). */
  maxBatch?: number;
}

/** Labels of the idle-cost samples, so idle shows per namespace, workload, node and node pool. */
export function placementLabels(placement: ReplicaPlacement): Record<string, string> {
  const labels: Record<string, string> = {};
  if (placement.namespace) labels.namespace = placement.namespace;
  if (placement.workload) labels.workload = placement.workload;
  if (placement.node) labels.node = placement.node;
  if (placement.nodePool) labels.node_pool = placement.nodePool;
  return labels;
}

/** $/hour for the whole replica; null for a GPU type the price book does not know (never $0). */
export function replicaUsdPerHour(
  prices: PriceBook,
  known: ReplicaPlacement,
  cluster: string,
): number | null {
  if (known.usdPerGpuHour !== undefined) return known.usdPerGpuHour * known.gpuCount;
  if (known.gpuType === undefined) return null;
  const perGpu = prices.findUsdPerGpuHour(known.gpuType, cluster, known.pricingKind);
  return perGpu === null ? null : perGpu * known.gpuCount;
}

/** The cost ledger's idle part, also under the names chargeback, the overview and the GPU view read. */
export const IDLE_COST_METRIC = 'llm.gpu.idle_cost';
/** The GPU time behind that idle cost (GPUs × seconds): what finance's GPU-hours are counted in. */
export const IDLE_GPU_SECONDS_METRIC = 'llm.gpu.idle_gpu_seconds';
