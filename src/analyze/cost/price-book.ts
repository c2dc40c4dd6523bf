/** How a GPU is paid for. */
export const PRICING_KINDS = ['on_demand', 'reserved', 'spot'] as const;
export type PricingKind = (typeof PRICING_KINDS)[number];

export interface PriceEntry {
  gpuType: string;
  kind: PricingKind;
  /** Cluster or region the price applies to; undefined = anywhere. */
  cluster?: string;
  usdPerGpuHour: number;
  source: string;
  /** When the price was read (YYYY-MM). */
  asOf: string;
  /** False when the figure comes from a secondary source or a derivation, not the provider's page. */
  verified: boolean;
}

/**
 * Default list prices per GPU-hour. Clouds cut GPU prices sharply in 2025, so every entry says
 * where it comes from and when; override them in config with what you actually pay.
 */
export const DEFAULT_PRICES: PriceEntry[] = [
  // AWS EC2 Capacity Blocks for ML, us-east-1, effective accelerator hourly rate (AWS pricing page copy, rates valid until 2025-01-01).
  {
    gpuType: 'H100',
    kind: 'reserved',
    usdPerGpuHour: 4.916,
    source: 'AWS EC2 Capacity Blocks, p5.48xlarge, us-east-1',
    asOf: '2024-12',
    verified: true,
  },
  {
    gpuType: 'H200',
    kind: 'reserved',
    usdPerGpuHour: 5.408,
    source: 'AWS EC2 Capacity Blocks, p5e.48xlarge, us-east-2',
    asOf: '2024-12',
    verified: true,
  },
  {
    gpuType: 'A100',
    kind: 'reserved',
    usdPerGpuHour: 1.844,
    source: 'AWS EC2 Capacity Blocks, p4d.24xlarge, us-east-2',
    asOf: '2024-12',
    verified: true,
  },
  // On-demand after AWS's June 2025 cut ("up to 45 %" on P5, secondary source usage.ai 2026-06): p5.48xlarge ≈ $98.32 × 0.56 ÷ 8.
  {
    gpuType: 'H100',
    kind: 'on_demand',
    usdPerGpuHour: 6.88,
    source: 'AWS p5.48xlarge on-demand after the June 2025 price cut (derived)',
    asOf: '2026-11',
    verified: false,
  },
  {
    gpuType: 'H200',
    kind: 'on_demand',
    usdPerGpuHour: 7.91,
    source: 'AWS p5en.48xlarge on-demand after the June 2025 price cut (derived)',
    asOf: '2026-11',
    verified: false,
  },
  {
    gpuType: 'A100',
    kind: 'on_demand',
    usdPerGpuHour: 2.75,
    source: 'AWS p4d.24xlarge on-demand after the June 2025 price cut (derived)',
    asOf: '2026-11',
    verified: false,
  },
  {
    gpuType: 'L4',
    kind: 'on_demand',
    usdPerGpuHour: 0.8,
    source: 'AWS g6.xlarge on-demand, us-east-1 (derived per GPU)',
    asOf: '2026-11',
    verified: false,
  },
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
    this.entries = [...fromConfig, ...defaults];
  }

  /** The entry that prices a GPU type in a cluster; throws when none does (a silent $0 would hide cost). */
  entryFor(gpuType: string, cluster?: string, kind: PricingKind = this.defaultKind): PriceEntry {
    const best = this.find(gpuType, cluster, kind);
    if (!best)
      throw new Error(
        `no ${kind} price for GPU type ${gpuType}${cluster ? ` in ${cluster}` : ''}: add one under pricing.overrides`,
      );
    return best;
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
