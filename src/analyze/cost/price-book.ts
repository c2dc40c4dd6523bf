/**
 * How a GPU is paid for: on demand; reserved (a 1-year commitment); spot; capacity_block (AWS EC2
 * Capacity Blocks, a rate AWS now sets dynamically — the figures here are dated, not a reservation).
 */
export const PRICING_KINDS = ['on_demand', 'reserved', 'spot', 'capacity_block'] as const;
export type PricingKind = (typeof PRICING_KINDS)[number];

/** Whose list prices apply by default (config `pricing.provider`). */
export const PRICE_PROVIDERS = ['aws', 'gcp', 'azure'] as const;
export type PriceProvider = (typeof PRICE_PROVIDERS)[number];

export interface PriceEntry {
  gpuType: string;
  kind: PricingKind;
  /** The list it comes from; config overrides apply to every provider. */
  provider?: PriceProvider;
  /** Cluster or region the price applies to; undefined = anywhere. */
  cluster?: string;
  usdPerGpuHour: number;
  source: string;
  /** When the price was read (YYYY-MM). */
  asOf: string;
  /** False when the figure comes from a secondary source or a derivation, not the provider's page. */
  verified: boolean;
}

/** An A100 without its memory size: the two sizes are different instances at different prices. */
export const AMBIGUOUS_GPU_TYPES: Readonly<Record<string, string>> = {
  A100: 'A100 comes as 40 GB and 80 GB, priced differently: write A100-40GB or A100-80GB',
};

const entry = (
  provider: PriceProvider,
  gpuType: string,
  kind: PricingKind,
  usdPerGpuHour: number,
  source: string,
  asOf = '2026-07',
): PriceEntry => ({ provider, gpuType, kind, usdPerGpuHour, source, asOf, verified: true });

/**
 * Default list prices per GPU-hour, per provider, checked against the providers' own price data
 * on 2026-12-07 (shared reference slo-and-cost.md §0). AWS: its Price List data for us-east-1
 * (as shipped in aws/karpenter-provider-aws, generated 2026-07-20), instance price ÷ GPUs. GCP and
 * Azure: their list prices (unchanged 2024 → 2026-07). Override them with what you actually pay.
 */
export const DEFAULT_PRICES: PriceEntry[] = [
  entry('aws', 'H100', 'on_demand', 6.88, 'AWS p5.48xlarge on-demand, us-east-1, ÷ 8'),
  entry('aws', 'H200', 'on_demand', 7.912, 'AWS p5en.48xlarge on-demand, us-east-1, ÷ 8'),
  entry('aws', 'A100-40GB', 'on_demand', 2.745, 'AWS p4d.24xlarge on-demand, us-east-1, ÷ 8'),
  entry('aws', 'A100-80GB', 'on_demand', 3.431, 'AWS p4de.24xlarge on-demand, us-east-1, ÷ 8'),
  entry('aws', 'L4', 'on_demand', 0.8048, 'AWS g6.xlarge on-demand, us-east-1'),
  // Rates of Q4 2024; AWS has priced Capacity Blocks dynamically since, so these are dated.
  entry(
    'aws',
    'H100',
    'capacity_block',
    4.916,
    'AWS EC2 Capacity Blocks, p5.48xlarge, Q4 2024 rate',
    '2024-12',
  ),
  entry(
    'aws',
    'H200',
    'capacity_block',
    5.408,
    'AWS EC2 Capacity Blocks, p5e.48xlarge, Q4 2024 rate',
    '2024-12',
  ),
  entry(
    'aws',
    'A100-40GB',
    'capacity_block',
    1.844,
    'AWS EC2 Capacity Blocks, p4d.24xlarge, Q4 2024 rate',
    '2024-12',
  ),
  entry('gcp', 'H100', 'on_demand', 11.06, 'GCP A3 (H100) on-demand'),
  entry('gcp', 'H100', 'reserved', 7.67, 'GCP A3 (H100) 1-year committed use, us-central1 (3-year: 4.86)'),
  entry('gcp', 'A100-40GB', 'on_demand', 3.67, 'GCP A2 (A100 40 GB) on-demand'),
  entry('gcp', 'A100-80GB', 'on_demand', 5.07, 'GCP A2 ultra (A100 80 GB) on-demand'),
  entry('gcp', 'L4', 'on_demand', 1.0, 'GCP G2 (L4) on-demand'),
  entry('azure', 'H100', 'on_demand', 12.29, 'Azure ND H100 v5 on-demand'),
  entry('azure', 'H200', 'on_demand', 10.6, 'Azure ND H200 v5 on-demand'),
  entry('azure', 'A100-40GB', 'on_demand', 3.4, 'Azure ND A100 v4 (40 GB) on-demand'),
  entry('azure', 'A100-80GB', 'on_demand', 4.1, 'Azure ND A100 v4 (80 GB) on-demand'),
];

export interface PriceOverride {
  gpu_type: string;
  cluster?: string;
  kind?: PricingKind;
  usd_per_gpu_hour: number;
}

/** Looks up $/GPU-hour: config overrides first (most specific wins), then the defaults. */
export class PriceBook {
  private readonly entries: PriceEntry[];

  constructor(
    readonly defaultKind: PricingKind = 'on_demand',
    overrides: readonly PriceOverride[] = [],
    readonly provider: PriceProvider = 'aws',
    defaults: readonly PriceEntry[] = DEFAULT_PRICES,
  ) {
    const fromConfig: PriceEntry[] = overrides.map((o) => ({
      gpuType: o.gpu_type,
      kind: o.kind ?? defaultKind,
      cluster: o.cluster,
      usdPerGpuHour: o.usd_per_gpu_hour,
      source: 'config override',
      asOf: 'config',
      verified: true,
    }));
    this.entries = [
      ...fromConfig,
      ...defaults.filter((e) => e.provider === undefined || e.provider === provider),
    ];
  }

  /** The price book the config describes (`pricing`: kind, provider, overrides). */
  static fromConfig(pricing: {
    kind: PricingKind;
    provider: PriceProvider;
    overrides: readonly PriceOverride[];
  }) {
    return new PriceBook(pricing.kind, pricing.overrides, pricing.provider);
  }

  /** The entry that prices a GPU type in a cluster; throws when none does (a silent $0 would hide cost). */
  entryFor(gpuType: string, cluster?: string, kind: PricingKind = this.defaultKind): PriceEntry {
    const best = this.find(gpuType, cluster, kind);
    if (!best) throw new Error(this.missing(gpuType, cluster, kind));
    return best;
  }

  /** Why a GPU type has no price: ambiguous (A100), or nothing in the list or the overrides. */
  missing(gpuType: string, cluster?: string, kind: PricingKind = this.defaultKind): string {
    return (
      AMBIGUOUS_GPU_TYPES[gpuType] ??
      `no ${kind} price for GPU type ${gpuType}${cluster ? ` in ${cluster}` : ''} in ${this.provider}'s list: add one under pricing.overrides`
    );
  }

  usdPerGpuHour(gpuType: string, cluster?: string, kind?: PricingKind): number {
    return this.entryFor(gpuType, cluster, kind).usdPerGpuHour;
  }

  /** For reports that leave an unpriced GPU out (and say so) rather than fail: null when unknown. */
  findUsdPerGpuHour(gpuType: string, cluster?: string, kind: PricingKind = this.defaultKind): number | null {
    return this.find(gpuType, cluster, kind)?.usdPerGpuHour ?? null;
  }

  private find(gpuType: string, cluster: string | undefined, kind: PricingKind): PriceEntry | undefined {
    const candidates = this.entries.filter(
      (e) => e.gpuType === gpuType && e.kind === kind && (e.cluster === undefined || e.cluster === cluster),
    );
    // A cluster-specific price beats a general one; earlier (config) entries beat later ones.
    return candidates.find((e) => e.cluster !== undefined) ?? candidates[0];
  }
}
