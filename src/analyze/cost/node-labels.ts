import type { PricingKind } from './price-book.ts';

/**
 * What a Kubernetes node's labels say about its GPUs and price. Well-known labels only:
 *  - GPU: NVIDIA GPU Feature Discovery `nvidia.com/gpu.product` (e.g. "NVIDIA-H100-80GB-HBM3"). Not
 *    `nvidia.com/gpu.count`: that is the node's GPUs, and a replica pays for the ones it uses;
 *  - pricing kind: Karpenter `karpenter.sh/capacity-type` (on-demand | spot | reserved), EKS managed
 *    node groups `eks.amazonaws.com/capacityType` (ON_DEMAND | SPOT | CAPACITY_BLOCK), GKE
 *    `cloud.google.com/gke-spot`, AKS `kubernetes.azure.com/scalesetpriority` (spot);
 *  - node pool: `karpenter.sh/nodepool`, `cloud.google.com/gke-nodepool`,
 *    `eks.amazonaws.com/nodegroup`, `kubernetes.azure.com/agentpool`;
 *  - an explicit price: our own `kubeburner.io/usd-per-gpu-hour`, for nodes under a contract
 *    rate the price book does not know.
 */
export interface NodeFacts {
  gpuType?: string;
  pricingKind?: PricingKind;
  usdPerGpuHour?: number;
  nodePool?: string;
}

export const NODE_PRICE_LABEL = 'kubeburner.io/usd-per-gpu-hour';

const NODE_POOL_LABELS = [
  'karpenter.sh/nodepool',
  'cloud.google.com/gke-nodepool',
  'eks.amazonaws.com/nodegroup',
  'kubernetes.azure.com/agentpool',
];

/** GFD product names to the price book's GPU types; the first match wins (H200 before H100). */
const GPU_PRODUCTS: [RegExp, string][] = [
  [/H200/i, 'H200'],
  [/H100/i, 'H100'],
  // GFD names the memory (NVIDIA-A100-SXM4-80GB): the two sizes are priced apart.
  [/A100.*80\s*GB/i, 'A100-80GB'],
  [/A100.*40\s*GB/i, 'A100-40GB'],
  [/A100/i, 'A100'],
  [/L40S/i, 'L40S'],
  [/(^|[^0-9A-Z])L4([^0-9]|$)/i, 'L4'],
];

export function gpuTypeFromProduct(product: string): string {
  return GPU_PRODUCTS.find(([pattern]) => pattern.test(product))?.[1] ?? product;
}

function pricingKind(labels: Readonly<Record<string, string>>): PricingKind | undefined {
  const karpenter = labels['karpenter.sh/capacity-type'];
  if (karpenter === 'spot') return 'spot';
  if (karpenter === 'on-demand') return 'on_demand';
  if (karpenter === 'reserved') return 'reserved';
  const eks = labels['eks.amazonaws.com/capacityType'];
  if (eks === 'SPOT') return 'spot';
  if (eks === 'ON_DEMAND') return 'on_demand';
  if (eks === 'CAPACITY_BLOCK') return 'reserved';
  if (labels['cloud.google.com/gke-spot'] === 'true') return 'spot';
  if (labels['kubernetes.azure.com/scalesetpriority'] === 'spot') return 'spot';
  return undefined;
}

/** Reads the facts; throws on a price label that is not a positive number. */
export function nodeFacts(labels: Readonly<Record<string, string>>): NodeFacts {
  const facts: NodeFacts = {};
  const product = labels['nvidia.com/gpu.product'];
  if (product) facts.gpuType = gpuTypeFromProduct(product);
  const kind = pricingKind(labels);
  if (kind) facts.pricingKind = kind;
  const price = labels[NODE_PRICE_LABEL];
  if (price !== undefined) {
    const usd = Number(price);
    if (!(usd > 0) || !Number.isFinite(usd))
      throw new RangeError(`node label ${NODE_PRICE_LABEL}: expected a positive number, got "${price}"`);
    facts.usdPerGpuHour = usd;
  }
  const pool = NODE_POOL_LABELS.map((key) => labels[key]).find((v) => v !== undefined && v !== '');
  if (pool) facts.nodePool = pool;
  return facts;
}
