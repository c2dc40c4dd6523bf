import type { Store } from '../store/store.ts';
import type { DecomposedRequest, TraceContext } from '../normalize/decompose.ts';
import type { MetricSample } from '../model/metric-sample.ts';
import type { Logger } from '../util/log.ts';
import { IngestBuffer } from './ingest-buffer.ts';
import type { PriceBook } from '../analyze/cost/price-book.ts';
import { TimeShareCostEstimator, type ReplicaHardware } from '../analyze/cost/time-share-estimate.ts';
import { OtlpGrpcReceiver } from './otlp/grpc-receiver.ts';
import { OtlpIngest } from './otlp/ingest.ts';
import { OtlpHttpReceiver } from './otlp/receiver.ts';
import { Scraper, type TargetHealth } from './scrape/scraper.ts';
import {
  StaticDiscovery,
  replicaOf,
  type ScrapeTargetConfig,
  type TargetDiscovery,
} from './scrape/targets.ts';

export interface CollectorOptions {
  store: Store;
  log: Logger;
  context: TraceContext;
  otlp?: { host: string; port: number; grpcPort?: number | null; maxBodyBytes: number } | null;
  targets?: ScrapeTargetConfig[];
  discovery?: TargetDiscovery;
  maxPendingRequests?: number;
  /** Scraped samples as stored (counters as increases), for exporters such as the canonical /metrics. */
  onSamples?: (samples: readonly MetricSample[]) => void;
  /** Prices collected requests by time share; without it they stay unpriced. */
  prices?: PriceBook;
  /** Requests accepted from traces. */
  onRequests?: (requests: readonly DecomposedRequest[]) => void;
}

/** The collection pipeline: scraper and OTLP receiver → normalize → ingest buffer → store. */
export class Collector {
  readonly buffer: IngestBuffer;
  readonly scraper: Scraper;
  readonly receiver: OtlpHttpReceiver | null;
  readonly grpcReceiver: OtlpGrpcReceiver | null;
  /** Replica (pod) → model and cluster, learned from scraped series; joins traces to them. */
  private readonly replicas = new Map<string, { model: string; cluster: string }>();
  /** Replica → GPU type and count from the scrape targets; prices collected requests. */
  private readonly hardware = new Map<string, ReplicaHardware>();

  constructor(private readonly options: CollectorOptions) {
    this.learnHardware(options.targets ?? []);
    const estimator = options.prices
      ? new TimeShareCostEstimator(options.prices, (replica) => this.hardware.get(replica))
      : null;
    this.buffer = new IngestBuffer(options.store, options.log, {
      maxPendingRequests: options.maxPendingRequests,
    });
    this.scraper = new Scraper(
      options.discovery ?? new StaticDiscovery(options.targets ?? []),
      this.buffer,
      options.log,
      {
        observe: (samples) => {
          const idle = estimator?.observeSamples(samples) ?? [];
          // Derived idle cost; when the buffer is full it is dropped like the scrape it came from.
          if (idle.length > 0 && this.buffer.offerSamples(idle)) options.onSamples?.(idle);
          for (const s of samples) {
            if (s.engine !== 'dcgm' && s.model !== 'unknown')
              this.replicas.set(s.replica, { model: s.model, cluster: s.cluster });
          }
        },
        delivered: (samples) => options.onSamples?.(samples),
      },
    );
    const context = { ...options.context, replicaInfo: (replica: string) => this.replicas.get(replica) };
    const ingest = new OtlpIngest({
      context,
      buffer: this.buffer,
      log: options.log,
      onRequests: (requests) => options.onRequests?.(requests),
      priceRequest: estimator ? (request) => estimator.price(request) : undefined,
    });
    const otlp = options.otlp;
    this.receiver = otlp
      ? new OtlpHttpReceiver({ ...otlp, context, buffer: this.buffer, log: options.log, ingest })
      : null;
    this.grpcReceiver =
      otlp && otlp.grpcPort !== null && otlp.grpcPort !== undefined
        ? new OtlpGrpcReceiver({
            host: otlp.host,
            port: otlp.grpcPort,
            maxMessageBytes: otlp.maxBodyBytes,
            ingest,
            log: options.log,
          })
        : null;
  }

  async start(): Promise<void> {
    await this.startReceiving();
    await this.startScraping();
  }

  /** The OTLP receiver (and the buffer behind it); its URL is known once this resolves. */
  async startReceiving(): Promise<void> {
    this.buffer.start();
    await this.receiver?.listen();
    await this.grpcReceiver?.listen();
  }

  async startScraping(): Promise<void> {
    if (this.options.discovery) this.learnHardware(await this.options.discovery.targets());
    await this.scraper.sync();
  }

  private learnHardware(targets: readonly ScrapeTargetConfig[]): void {
    for (const t of targets)
      if (t.gpu_type) this.hardware.set(replicaOf(t), { gpuType: t.gpu_type, gpuCount: t.gpu_count });
  }

  status(): {
    targets: TargetHealth[];
    otlp: {
      url: string;
      grpc: string | null;
      receivedSpans: number;
      acceptedRequests: number;
      rejected: Record<string, number>;
    } | null;
    buffer: {
      pendingRequests: number;
      writtenRequests: number;
      writtenSamples: number;
      writeFailures: number;
      refused: number;
    };
  } {
    return {
      targets: this.scraper.health(),
      otlp: this.receiver
        ? {
            url: this.receiver.url,
            grpc: this.grpcReceiver?.address ?? null,
            receivedSpans: this.receiver.receivedSpans,
            acceptedRequests: this.receiver.acceptedRequests,
            rejected: Object.fromEntries(this.receiver.rejections.byReason),
          }
        : null,
      buffer: {
        pendingRequests: this.buffer.pendingRequests,
        writtenRequests: this.buffer.writtenRequests,
        writtenSamples: this.buffer.writtenSamples,
        writeFailures: this.buffer.writeFailures,
        refused: this.buffer.refused,
      },
    };
  }

  async stop(): Promise<void> {
    this.scraper.stop();
    await this.receiver?.close();
    await this.grpcReceiver?.close();
    await this.buffer.stop();
  }
}
