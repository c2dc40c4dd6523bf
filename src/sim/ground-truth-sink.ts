import { IngestBuffer } from '../collect/ingest-buffer.ts';
import type { Store } from '../store/store.ts';
import type { Logger } from '../util/log.ts';
import type { Fleet, FleetRecord } from './fleet.ts';

/**
 * Writes the simulator's ground truth (finished requests with their spans, and optionally engine
 * gauges) to the store through an ingest buffer. The demo collects for real (scrape + OTLP) and uses
 * this only for requests of engines that emit no per-request traces (trtllm-serve, Triton,
 * llama.cpp), which a deployment would see through the gateway. Such requests carry
 * `source: simulator`.
 */
export class GroundTruthSink {
  readonly buffer: IngestBuffer;
  private timer: NodeJS.Timeout | null = null;
  private lastSampleUs = 0;
  dropped = 0;

  constructor(
    private readonly fleet: Fleet,
    store: Store,
    log: Logger,
    options: { maxBuffered?: number; include?: (record: FleetRecord) => boolean } = {},
  ) {
    this.buffer = new IngestBuffer(store, log, {
      maxPendingRequests: options.maxBuffered ?? 200_000,
      flushIntervalMs: 1000,
      // Simulated time may run ahead of the wall clock: rows are checked against the simulator's.
      nowUs: () => Math.max(fleet.nowUs, Date.now() * 1000),
    });
    fleet.onRecord((record) => {
      if (options.include && !options.include(record)) return;
      const { request, spans } = record;
      request.attributes.source = 'simulator';
      // The store cannot keep up: drop and count rather than grow without bound.
      if (!this.buffer.offerRequests([{ request, spans }])) this.dropped++;
    });
  }

  get written(): number {
    return this.buffer.writtenRequests;
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
      this.buffer.offerSamples([
        { ...base, name: 'llm.requests.running', value: engine.running.length },
        { ...base, name: 'llm.requests.waiting', value: engine.waiting.length },
        { ...base, name: 'llm.kv_cache.usage', value: engine.pool.usage },
      ]);
    }
  }

  start(withGauges = true): void {
    this.buffer.start();
    if (withGauges) this.timer = setInterval(() => this.sampleGauges(), 1000);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.buffer.stop();
  }
}
