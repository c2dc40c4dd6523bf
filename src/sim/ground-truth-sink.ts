import type { MetricSample } from '../model/metric-sample.ts';
import type { InferenceRequest } from '../model/request.ts';
import type { Span } from '../model/span.ts';
import type { Store } from '../store/store.ts';
import type { Logger } from '../util/log.ts';
import type { Fleet } from './fleet.ts';

/**
 * Writes the simulator's ground truth (finished requests with their spans, and optionally engine
 * gauges) to the store in batches. The demo collects for real (scrape + OTLP) and uses this only
 * for requests of engines that emit no per-request traces (trtllm-serve, Triton, llama.cpp), which
 * a deployment would see through the gateway. Such requests carry `source: simulator`.
 */
export class GroundTruthSink {
  private requests: InferenceRequest[] = [];
  private spans: Span[] = [];
  private samples: MetricSample[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private lastSampleUs = 0;
  written = 0;
  dropped = 0;

  constructor(
    private readonly fleet: Fleet,
    private readonly store: Store,
    private readonly log: Logger,
    private readonly options: { maxBuffered?: number; include?: (request: InferenceRequest) => boolean } = {},
  ) {
    fleet.onRecord(({ request, spans }) => {
      if (options.include && !options.include(request)) return;
      request.attributes.source = 'simulator';
      if (this.requests.length >= (this.options.maxBuffered ?? 200_000)) {
        // The store cannot keep up: drop and count rather than grow without bound.
        this.dropped++;
        return;
      }
      this.requests.push(request);
      this.spans.push(...spans);
    });
  }

  /** Canonical engine gauges of every replica, at most once per `everyUs` of simulated time. */
  sampleGauges(everyUs = 5_000_000): void {
    const now = this.fleet.nowUs;
    if (now - this.lastSampleUs < everyUs) return;
    this.lastSampleUs = now;
    const timeMs = Math.floor(now / 1000);
    for (const { spec, engine } of this.fleet.replicas) {
      const base = {
        timeMs,
        cluster: spec.cluster,
        model: spec.model,
        replica: spec.replica,
        engine: spec.engine,
        labels: {},
      };
      this.samples.push(
        { ...base, name: 'llm.requests.running', value: engine.running.length },
        { ...base, name: 'llm.requests.waiting', value: engine.waiting.length },
        { ...base, name: 'llm.kv_cache.usage', value: engine.pool.usage },
      );
    }
  }

  start(intervalMs = 1000, withGauges = true): void {
    this.timer = setInterval(() => {
      if (withGauges) this.sampleGauges();
      void this.flush();
    }, intervalMs);
  }

  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const requests = this.requests;
      const spans = this.spans;
      const samples = this.samples;
      this.requests = [];
      this.spans = [];
      this.samples = [];
      try {
        if (requests.length > 0) await this.store.writeBatch({ requests, spans });
        if (samples.length > 0) await this.store.writeMetricSamples(samples);
        this.written += requests.length;
      } catch (err) {
        this.dropped += requests.length;
        this.log.error({ err, requests: requests.length }, 'store write failed; batch dropped');
      }
    });
    return this.flushing;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }
}
