import type { MetricFamily, Sample } from '../collect/scrape/exposition.ts';
import type { SignalSource } from '../model/engine.ts';
import type { MetricSample } from '../model/metric-sample.ts';

/** Who was scraped: identity the exposition itself may not carry (llama.cpp and TGI have no labels). */
export interface ScrapeTarget {
  cluster: string;
  /** Pod or instance name. */
  replica: string;
  /** Model served, when the engine's labels do not say (or say a repository name, as Triton). */
  model?: string;
}

export interface NormalizeContext {
  timeMs: number;
  target: ScrapeTarget;
}

/** Turns one engine's exposition into canonical metric samples (docs/schema.md). */
export interface EngineAdapter {
  readonly source: SignalSource;
  /** 0–1: how sure we are that this exposition came from this engine. */
  detect(families: readonly MetricFamily[]): number;
  normalize(families: readonly MetricFamily[], context: NormalizeContext): MetricSample[];
  /**
   * Gauges that only a window can give, from one scrape's increases (counters after deltas): an
   * engine that publishes a lifetime average gets its windowed value here.
   */
  fromIncreases?(increases: readonly MetricSample[]): MetricSample[];
}

/**
 * Canonical histograms are stored as Prometheus stores them, one sample per bucket plus sum and
 * count, told apart by the `stat` label (`bucket` with `le`, `sum`, `count`).
 */
export type HistogramStat = 'bucket' | 'sum' | 'count';

export class SampleBuilder {
  readonly samples: MetricSample[] = [];

  constructor(
    private readonly context: NormalizeContext,
    private readonly engine: string,
  ) {}

  add(name: string, value: number, model: string | undefined, labels: Record<string, string> = {}): void {
    if (!Number.isFinite(value) && !(labels.le === '+Inf')) return;
    this.samples.push({
      timeMs: this.context.timeMs,
      name,
      value,
      cluster: this.context.target.cluster,
      model: model ?? this.context.target.model ?? 'unknown',
      replica: this.context.target.replica,
      engine: this.engine,
      labels,
    });
  }

  /**
   * Copies a histogram family under a canonical name. `scale` converts units (ms → s: 0.001);
   * bucket bounds scale with it, so SLO thresholds keep matching bucket boundaries.
   */
  histogram(
    family: MetricFamily,
    name: string,
    modelOf: (s: Sample) => string | undefined,
    extra: Record<string, string> = {},
    scale = 1,
  ): void {
    for (const s of family.samples) {
      const model = modelOf(s);
      if (s.name.endsWith('_bucket')) {
        const le = s.labels.le === '+Inf' ? '+Inf' : String(Number(s.labels.le) * scale);
        this.add(name, s.value, model, { ...extra, stat: 'bucket', le });
      } else if (s.name.endsWith('_sum')) this.add(name, s.value * scale, model, { ...extra, stat: 'sum' });
      else if (s.name.endsWith('_count')) this.add(name, s.value, model, { ...extra, stat: 'count' });
    }
  }
}

export function familyMap(families: readonly MetricFamily[]): Map<string, MetricFamily> {
  return new Map(families.map((f) => [f.name, f]));
}

/** Share of `names` present: a simple detector for engines with distinctive metric names. */
export function presenceScore(
  families: readonly MetricFamily[],
  prefix: string,
  markers: readonly string[],
): number {
  const names = new Set(families.map((f) => f.name));
  const prefixed = families.filter((f) => f.name.startsWith(prefix)).length;
  if (prefixed === 0) return 0;
  const hits = markers.filter((m) => names.has(m)).length;
  return Math.min(1, 0.5 + (0.5 * hits) / Math.max(1, markers.length));
}

/** Sample value summed over series matching a label filter (0 when none). */
export function sumOf(
  family: MetricFamily | undefined,
  filter: Record<string, string> = {},
  suffix = '',
): number {
  if (!family) return 0;
  let total = 0;
  for (const s of family.samples) {
    if (suffix && !s.name.endsWith(suffix)) continue;
    if (Object.entries(filter).every(([k, v]) => s.labels[k] === v)) total += s.value;
  }
  return total;
}
