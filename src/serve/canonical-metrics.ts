import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MetricSample } from '../model/metric-sample.ts';
import { canonicalMetric } from '../model/metric-names.ts';
import { BoundedLabels } from './bounded-labels.ts';
import type { InferenceRequest } from '../model/request.ts';
import { classifyRequest, sloBands } from '../analyze/slo/events.ts';
import { SLO_EVENTS_METRIC, SLO_EVENT_TOKENS_METRIC } from '../analyze/slo/prometheus-rules.ts';
import type { SloSpec } from '../analyze/slo/spec.ts';

/** Prompt-length bands for TTFT SLOs (slo-and-cost.md §2; LiteLLM uses the same cut points). */
export const PROMPT_BANDS = [
  { band: '0-1k', max: 1024 },
  { band: '1k-4k', max: 4096 },
  { band: '4k-16k', max: 16_384 },
  { band: '16k-64k', max: 65_536 },
  { band: '64k+', max: Infinity },
] as const;

export function promptBand(promptTokens: number): string {
  return PROMPT_BANDS.find((b) => promptTokens <= b.max)?.band ?? '64k+';
}

/**
 * TTFT buckets: vLLM's set (engines.md §2.1) plus the usual SLO thresholds, so an SLI over this
 * histogram never falls between buckets (slo-and-cost.md §2).
 */
export const TTFT_BUCKETS_SECONDS = [
  0.01, 0.025, 0.05, 0.1, 0.2, 0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 3, 4, 5, 7.5, 10, 20, 40, 80,
];
const LATENCY_BUCKETS_SECONDS = [0.1, 0.25, 0.5, 1, 2, 2.5, 5, 10, 15, 20, 30, 60, 120, 240, 480];
const TPOT_BUCKETS_SECONDS = [0.005, 0.01, 0.02, 0.025, 0.04, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1];

/** `llm.requests.waiting` → `kubeburner_llm_requests_waiting`. */
export function exportedName(canonical: string): string {
  return `kubeburner_${canonical.replace(/[^a-zA-Z0-9_]/g, '_')}`;
}

const ENGINE_LABELS = ['cluster', 'model', 'replica', 'engine'] as const;
/** Labels a canonical sample may carry that stay bounded (everything else is not exported). */
const BOUNDED_EXTRA_LABELS = ['outcome', 'gpu', 'uuid', 'node', 'direction', 'estimated', 'source'];
const REQUEST_LABELS = ['cluster', 'model', 'status', 'prompt_band'] as const;

/**
 * KubeBurner's own /metrics: normalized engine series (bounded labels: cluster, model, replica,
 * engine) and request-level histograms built from decomposed requests. Tenants and teams are
 * unbounded and stay in the store; they are never exported as labels.
 */
export class CanonicalMetrics {
  readonly registry = new Registry();
  /** Canonical name → exported series and the label names fixed on first sight. */
  private readonly engineSeries = new Map<
    string,
    { metric: Gauge<string> | Counter<string>; labels: string[] }
  >();
  private readonly ttft = new Histogram({
    name: 'kubeburner_request_ttft_seconds',
    help: 'Time to first token per request, by prompt-length band',
    labelNames: REQUEST_LABELS,
    buckets: TTFT_BUCKETS_SECONDS,
    registers: [this.registry],
  });
  private readonly e2e = new Histogram({
    name: 'kubeburner_request_duration_seconds',
    help: 'End-to-end request latency',
    labelNames: REQUEST_LABELS,
    buckets: LATENCY_BUCKETS_SECONDS,
    registers: [this.registry],
  });
  private readonly tpot = new Histogram({
    name: 'kubeburner_request_time_per_output_token_seconds',
    help: 'Mean time per output token after the first, per request',
    labelNames: REQUEST_LABELS,
    buckets: TPOT_BUCKETS_SECONDS,
    registers: [this.registry],
  });
  private readonly requests = new Counter({
    name: 'kubeburner_requests_total',
    help: 'Finished requests by status',
    labelNames: REQUEST_LABELS,
    registers: [this.registry],
  });
  private readonly tokens = new Counter({
    name: 'kubeburner_request_tokens_total',
    help: 'Tokens of finished requests by type (input, cached_input, output)',
    labelNames: ['cluster', 'model', 'type'] as const,
    registers: [this.registry],
  });
  private readonly cost = new Counter({
    name: 'kubeburner_request_cost_usd_total',
    help: 'GPU cost of finished requests in US dollars (priced requests; idle GPU time is not in it)',
    labelNames: ['cluster', 'model'] as const,
    registers: [this.registry],
  });

  /** Good and bad events of every configured SLO: what the generated Prometheus rules read. */
  private readonly sloEvents = new Counter({
    name: SLO_EVENTS_METRIC,
    help: 'SLO events by SLO, prompt-length band and outcome (good or bad)',
    labelNames: ['slo', 'band', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly sloTokens = new Counter({
    name: SLO_EVENT_TOKENS_METRIC,
    help: 'Tokens (prompt + output) of SLO events, for token-weighted SLOs',
    labelNames: ['slo', 'band', 'outcome'] as const,
    registers: [this.registry],
  });

  private readonly bounded = new BoundedLabels(this.registry);

  constructor(private readonly slos: readonly SloSpec[] = []) {
    // Every series starts at 0, so rate() sees the bad series from the start and the good and bad
    // rates of a window are extrapolated alike (their ratio is the error ratio).
    for (const spec of slos)
      for (const band of sloBands(spec))
        for (const outcome of ['good', 'bad']) {
          this.sloEvents.inc({ slo: spec.name, band, outcome }, 0);
          this.sloTokens.inc({ slo: spec.name, band, outcome }, 0);
        }
  }

  /** Scraped, normalized samples (counters as per-scrape increases). Histogram parts are skipped. */
  observeSamples(samples: readonly MetricSample[]): void {
    for (const s of samples) {
      const metric = canonicalMetric(s.name);
      if (!metric || metric.instrument === 'histogram') continue;
      const extra = Object.keys(s.labels)
        .filter((k) => BOUNDED_EXTRA_LABELS.includes(k))
        .sort();
      if (extra.length !== Object.keys(s.labels).length) continue; // an unbounded label: keep it in the store only
      const series = this.series(s.name, metric.description, metric.instrument, extra);
      if (!series) continue;
      const labels: Record<string, string> = {
        cluster: this.bounded.value('cluster', s.cluster),
        model: this.bounded.value('model', s.model),
        replica: this.bounded.value('replica', s.replica),
        engine: this.bounded.value('engine', s.engine),
      };
      for (const key of extra) labels[key] = this.bounded.value(key, s.labels[key] as string);
      if (series.metric instanceof Gauge) series.metric.set(labels, s.value);
      else if (s.value >= 0) series.metric.inc(labels, s.value);
    }
  }

  private series(name: string, help: string, instrument: 'gauge' | 'counter', extra: string[]) {
    let series = this.engineSeries.get(name);
    if (!series) {
      const labelNames = [...ENGINE_LABELS, ...extra];
      const metric =
        instrument === 'gauge'
          ? new Gauge({ name: exportedName(name), help, labelNames, registers: [this.registry] })
          : new Counter({
              name: `${exportedName(name)}_total`,
              help,
              labelNames,
              registers: [this.registry],
            });
      series = { metric, labels: extra };
      this.engineSeries.set(name, series);
    }
    // A family keeps the label names it was created with.
    return series.labels.join(',') === extra.join(',') ? series : null;
  }

  observeRequest(request: InferenceRequest): void {
    const cluster = this.bounded.value('cluster', request.cluster);
    const model = this.bounded.value('model', request.model);
    const labels = {
      cluster,
      model,
      status: request.status,
      prompt_band: promptBand(request.promptTokens),
    };
    this.requests.inc(labels);
    if (request.ttftUs !== null) this.ttft.observe(labels, request.ttftUs / 1e6);
    if (request.e2eUs !== null) this.e2e.observe(labels, request.e2eUs / 1e6);
    if (request.tpotUs !== null) this.tpot.observe(labels, request.tpotUs / 1e6);
    const tokenLabels = { cluster, model };
    this.tokens.inc({ ...tokenLabels, type: 'input' }, request.promptTokens);
    this.tokens.inc({ ...tokenLabels, type: 'cached_input' }, request.cachedPromptTokens);
    this.tokens.inc({ ...tokenLabels, type: 'output' }, request.outputTokens);
    if (request.costUsd !== null && request.costUsd >= 0) this.cost.inc(tokenLabels, request.costUsd);
    for (const spec of this.slos) {
      const event = classifyRequest(spec, request);
      if (!event) continue;
      const labels = { slo: spec.name, band: event.band, outcome: event.good ? 'good' : 'bad' };
      this.sloEvents.inc(labels);
      this.sloTokens.inc(labels, request.promptTokens + request.outputTokens);
    }
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
