import type { MetricSample } from '../../model/metric-sample.ts';
import type { EngineAdapter } from '../../normalize/adapter.ts';
import { normalizeLlamacppSlots } from '../../normalize/llamacpp.ts';
import { adapterFor, detectEngine } from '../../normalize/registry.ts';
import type { Logger } from '../../util/log.ts';
import type { IngestBuffer } from '../ingest-buffer.ts';
import { RejectionCounter } from '../rejections.ts';
import { DeltaTracker } from './deltas.ts';
import { parseExposition } from './exposition.ts';
import { replicaOf, targetId, type ScrapeTargetConfig, type TargetDiscovery } from './targets.ts';

export interface TargetHealth {
  url: string;
  engine: string | null;
  up: boolean;
  lastScrapeAtMs: number | null;
  lastSuccessAtMs: number | null;
  lastDurationMs: number | null;
  /** Canonical samples produced by the last successful scrape. */
  samples: number;
  scrapes: number;
  failures: number;
  lastError: string | null;
}

class TargetLoop {
  health: TargetHealth;
  adapter: EngineAdapter | null;
  private timer: NodeJS.Timeout | null = null;
  private readonly deltas = new DeltaTracker();
  stopped = false;

  constructor(
    readonly target: ScrapeTargetConfig,
    private readonly scraper: Scraper,
  ) {
    this.adapter = target.engine ? (adapterFor(target.engine) ?? null) : null;
    this.health = {
      url: target.url,
      engine: this.adapter?.source ?? null,
      up: false,
      lastScrapeAtMs: null,
      lastSuccessAtMs: null,
      lastDurationMs: null,
      samples: 0,
      scrapes: 0,
      failures: 0,
      lastError: null,
    };
  }

  start(): void {
    // Spread first scrapes over the interval so targets do not all fire at once.
    this.schedule(Math.random() * this.target.interval_s * 1000);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(
      () => void this.scrapeOnce().finally(() => this.schedule(this.target.interval_s * 1000)),
      delayMs,
    );
    this.timer.unref();
  }

  async scrapeOnce(): Promise<MetricSample[]> {
    const started = this.scraper.nowMs();
    const wallStart = Date.now();
    this.health.scrapes++;
    this.health.lastScrapeAtMs = started;
    try {
      const response = await fetch(this.target.url, {
        headers: { accept: 'text/plain;version=0.0.4, application/openmetrics-text;q=0.5' },
        signal: AbortSignal.timeout(this.target.timeout_s * 1000),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const text = await response.text();
      const { families, errors } = parseExposition(text);
      for (const error of errors)
        this.scraper.rejections.count(
          `exposition line rejected: ${error.message.replace(/"[^"]*"/g, '"…"')}`,
        );
      this.adapter ??= detectEngine(families);
      if (!this.adapter)
        throw new Error('could not tell which engine this exposition comes from; set `engine` on the target');
      this.health.engine = this.adapter.source;
      const context = {
        timeMs: started,
        target: { cluster: this.target.cluster, replica: replicaOf(this.target), model: this.target.model },
      };
      let samples = this.adapter.normalize(families, context);
      // A page full of metrics of which this adapter reads none is a blind spot, not a success:
      // the wrong `engine` on the target, or a format this version of the adapter does not know.
      if (samples.length === 0 && families.length > 0)
        throw new Error(
          `${families.length} metric families, none of them ${this.adapter.source} metrics KubeBurner reads (first: ${families[0]?.name}); check \`engine\` on the target`,
        );
      if (this.target.slots && this.adapter.source === 'llamacpp') {
        const slots = await fetch(new URL('/slots', this.target.url), {
          signal: AbortSignal.timeout(this.target.timeout_s * 1000),
        });
        if (slots.ok) samples = samples.concat(normalizeLlamacppSlots(await slots.json(), context));
      }
      this.scraper.observed(samples);
      const increases = this.deltas.apply(samples);
      const out = this.adapter.fromIncreases
        ? increases.concat(this.adapter.fromIncreases(increases))
        : increases;
      this.health.up = true;
      this.health.lastSuccessAtMs = Date.now();
      this.health.samples = samples.length;
      this.health.lastError = null;
      this.scraper.deliver(out);
      return out;
    } catch (err) {
      // The last good samples stay in the store; the target is marked down (staleness).
      this.health.up = false;
      this.health.failures++;
      this.health.lastError =
        (err as Error).name === 'TimeoutError'
          ? `timed out after ${this.target.timeout_s} s`
          : (err as Error).message;
      this.scraper.failed(this, this.health.lastError);
      return [];
    } finally {
      this.health.lastDurationMs = Date.now() - wallStart;
    }
  }
}

/**
 * Scrapes engines' Prometheus endpoints. Each target runs its own loop with its own interval and
 * timeout, so a slow or dead target never delays the others (llama.cpp's /metrics can stall for
 * seconds during a long prefill, engines.md §4.1).
 */
export class Scraper {
  private readonly loops = new Map<string, TargetLoop>();
  readonly rejections: RejectionCounter;
  deliveredSamples = 0;
  droppedSamples = 0;

  constructor(
    private readonly discovery: TargetDiscovery,
    private readonly buffer: IngestBuffer,
    private readonly log: Logger,
    private readonly hooks: {
      /** Every normalized scrape (before deltas), e.g. to learn which model a replica serves. */
      observe?: (samples: readonly MetricSample[]) => void;
      /** What was handed to the buffer (counters as increases), e.g. for the canonical /metrics. */
      delivered?: (samples: readonly MetricSample[]) => void;
    } = {},
    private readonly options: {
      /** Sample time (epoch ms): the wall clock, or a simulator's clock. */
      clock?: () => number;
      /** Targets are scraped only by scrapeAll() (a simulation steps its own time). */
      manual?: boolean;
    } = {},
  ) {
    this.rejections = new RejectionCounter('scrape', log);
  }

  nowMs(): number {
    return (this.options.clock ?? Date.now)();
  }

  observed(samples: readonly MetricSample[]): void {
    this.hooks.observe?.(samples);
  }

  /** Starts loops for new targets and stops loops of targets that went away. */
  async sync(targets?: readonly ScrapeTargetConfig[]): Promise<void> {
    targets ??= await this.discovery.targets();
    const wanted = new Set(targets.map(targetId));
    for (const [id, loop] of this.loops) {
      if (!wanted.has(id)) {
        loop.stop();
        this.loops.delete(id);
      }
    }
    for (const target of targets) {
      if (this.loops.has(targetId(target))) continue;
      const loop = new TargetLoop(target, this);
      this.loops.set(targetId(target), loop);
      if (!this.options.manual) loop.start();
    }
  }

  /** Scrapes every target once now (tests, and `kubeburner scrape --once`). */
  async scrapeAll(): Promise<void> {
    await Promise.all([...this.loops.values()].map((loop) => loop.scrapeOnce()));
  }

  health(): TargetHealth[] {
    return [...this.loops.values()].map((loop) => ({ ...loop.health }));
  }

  deliver(samples: MetricSample[]): void {
    if (this.buffer.offerSamples(samples)) {
      this.deliveredSamples += samples.length;
      this.hooks.delivered?.(samples);
    } else this.droppedSamples += samples.length;
  }

  failed(loop: TargetLoop, reason: string): void {
    if (loop.health.failures === 1 || loop.health.failures % 100 === 0) {
      this.log.warn({ target: loop.target.url, failures: loop.health.failures, reason }, 'scrape failed');
    }
  }

  stop(): void {
    for (const loop of this.loops.values()) loop.stop();
  }
}
