import type { Store } from '../store/store.ts';
import type { DecomposedRequest, TraceContext } from '../normalize/decompose.ts';
import type { MetricSample } from '../model/metric-sample.ts';
import type { Logger } from '../util/log.ts';
import { IngestBuffer, type QuarantinedRow } from './ingest-buffer.ts';
import { CallerJoiner } from './caller-joiner.ts';
import { RequestJoiner } from './request-joiner.ts';
import { Spool, replaySpool } from './spool.ts';
import type { OtlpTls } from './otlp/tls.ts';
import type { RequestRecord } from '../normalize/merge-gateway.ts';
import type { PriceBook } from '../analyze/cost/price-book.ts';
import { placementLabels, replicaUsdPerHour, type ReplicaPlacement } from '../analyze/cost/replica-price.ts';
import { LedgerPricing, type ReplicaAccount } from '../analyze/cost/ledger/ledger-pricing.ts';
import type { LedgerTiming } from '../analyze/cost/ledger/replica-ledger.ts';
import { nodeFacts } from '../analyze/cost/node-labels.ts';
import type { InferenceRequest } from '../model/request.ts';
import { isEngine, type Engine } from '../model/engine.ts';
import { OtlpAuth } from './otlp/auth.ts';
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
  otlp?: {
    host: string;
    port: number;
    grpcPort?: number | null;
    maxBodyBytes: number;
    /** sha256 of the bearer tokens senders must present; open when empty. */
    bearerTokensSha256?: readonly string[];
    tls?: OtlpTls | null;
  } | null;
  targets?: ScrapeTargetConfig[];
  discovery?: TargetDiscovery;
  /** Ask the discovery again this often (Kubernetes pods come and go); once when omitted. */
  discoveryRefreshMs?: number;
  maxPendingRequests?: number;
  /** Scraped samples as stored (counters as increases), for exporters such as the canonical /metrics. */
  onSamples?: (samples: readonly MetricSample[]) => void;
  /** Prices collected requests through the cost ledger; without it they stay unpriced. */
  prices?: PriceBook;
  /** How long the ledger waits for late records and running requests (defaults: LEDGER_TIMING). */
  ledgerTiming?: LedgerTiming;
  /** Served model name → stored name (config `model_aliases`). */
  modelAliases?: Readonly<Record<string, string>>;
  /** Tenant → team (config `tenants`), for requests whose source does not name the team. */
  tenantTeams?: Readonly<Record<string, string>>;
  /** Requests accepted from traces. */
  onRequests?: (requests: readonly DecomposedRequest[]) => void;
  /** Sample time for scrapes (epoch ms): the wall clock, or the simulator's in the demo. */
  clockMs?: () => number;
  /** Scrape only on scraper.scrapeAll() (simulations that step their own time). */
  manualScrape?: boolean;
  /** A gateway runs beside the collector: join its records with the engines' (request-joiner.ts). */
  joinGatewayTraces?: boolean;
  /** Gateway records stored with no engine trace to join (engines that export none). */
  onGatewayAlone?: (records: readonly RequestRecord[]) => void;
  /**
   * Hold engine records for their caller's span from the start, not only once one has been seen
   * (the demo's apps always send theirs; caller-joiner.ts).
   */
  awaitCallerSpans?: boolean;
  /**
   * Where accepted requests are logged (fsynced) before OTLP receivers acknowledge them, and
   * replayed from on start (spool.ts); without it, a crash loses what the buffer and joins held.
   */
  spoolDir?: string;
}

/**
 * Where a gateway beside the collector hands its request records: announced as they are forwarded
 * (so the engine's trace can wait for them), offered when they end. False: refused (full).
 */
/**
 * Records reach the collector a few seconds after the fact (trace exporters batch for 5 s); an
 * interval the engine says requests still ran at waits for them up to 2 minutes; a scrape gap over
 * 2 minutes (a target that was down) is not held time anyone can vouch for.
 */
export const LEDGER_TIMING: LedgerTiming = { settleUs: 6e6, maxHoldUs: 120e6, maxGapUs: 120e6 };

export interface GatewayRecordSink {
  expect(traceId: string): void;
  offerGateway(record: RequestRecord): boolean;
  /** Resolves once every record offered so far is on disk (at once without a spool). */
  durable(): Promise<void>;
}

/** The collection pipeline: scraper and OTLP receiver → normalize → ingest buffer → store. */
export class Collector implements GatewayRecordSink {
  readonly buffer: IngestBuffer;
  readonly joiner: RequestJoiner | null;
  /** Engine records meet the spans of the apps that called them (tenant and team). */
  readonly callers: CallerJoiner;
  readonly scraper: Scraper;
  readonly receiver: OtlpHttpReceiver | null;
  readonly grpcReceiver: OtlpGrpcReceiver | null;
  /** Replica (pod) → model and cluster, learned from scraped series; joins traces to them. */
  private readonly replicas = new Map<string, { model: string; cluster: string }>();
  /** Replica → GPUs, price and placement from the scrape targets (and node labels). */
  private readonly placements = new Map<string, ReplicaPlacement>();
  /** Replica → engine, from its target or what its scrapes were detected as. */
  private readonly engines = new Map<string, Engine>();
  /** Replica → sequences in a full batch, as its scrapes report it (llama.cpp's slots). */
  private readonly maxBatches = new Map<string, number>();
  readonly pricing: LedgerPricing | null;
  private settleTimer: NodeJS.Timeout | null = null;
  readonly spool: Spool | null;
  private refreshTimer: NodeJS.Timeout | null = null;
  private currentTargets: readonly ScrapeTargetConfig[];

  constructor(private readonly options: CollectorOptions) {
    this.currentTargets = options.targets ?? [];
    this.learnPlacements(options.targets ?? []);
    const clockMs = options.clockMs;
    const spool = options.spoolDir ? new Spool(options.spoolDir) : null;
    this.spool = spool;
    this.buffer = new IngestBuffer(options.store, options.log, {
      maxPendingRequests: options.maxPendingRequests,
      ...(clockMs ? { nowUs: () => clockMs() * 1000 } : {}),
      ...(spool ? { onSettled: (ids: string[]) => spool.release(ids) } : {}),
    });
    const prices = options.prices;
    const pricing = prices
      ? new LedgerPricing(
          this.buffer,
          (replica) => this.accountOf(replica, prices),
          options.ledgerTiming ?? LEDGER_TIMING,
          { maxWaiting: options.maxPendingRequests ?? 100_000 },
        )
      : null;
    this.pricing = pricing;
    const sink = pricing ?? this.buffer;
    this.scraper = new Scraper(
      options.discovery ?? new StaticDiscovery(options.targets ?? []),
      this.buffer,
      options.log,
      {
        observe: (samples) => {
          // One name per model everywhere: scraped series under the same alias as requests.
          for (const s of samples) s.model = this.alias(s.model);
          for (const s of samples) {
            if (s.name === 'llm.batch.max_sequences') this.maxBatches.set(s.replica, s.value);
            if (s.engine !== 'dcgm' && s.model !== 'unknown')
              this.replicas.set(s.replica, { model: s.model, cluster: s.cluster });
            if (isEngine(s.engine) && !this.engines.has(s.replica)) this.engines.set(s.replica, s.engine);
          }
          pricing?.observeSamples(samples);
          this.settleLedger();
        },
        delivered: (samples) => options.onSamples?.(samples),
      },
      {
        ...(options.clockMs ? { clock: options.clockMs } : {}),
        ...(options.manualScrape ? { manual: true } : {}),
      },
    );
    const context = { ...options.context, replicaInfo: (replica: string) => this.replicas.get(replica) };
    // Records waiting for their caller count against the same limit as the buffer: past it, 429.
    this.callers = new CallerJoiner(sink, {
      awaitCallers: options.awaitCallerSpans ?? false,
      maxHeld: options.maxPendingRequests ?? 100_000,
    });
    this.joiner = options.joinGatewayTraces
      ? new RequestJoiner(
          this.callers,
          options.onGatewayAlone ? { onGatewayAlone: options.onGatewayAlone } : {},
        )
      : null;
    const ingest = new OtlpIngest({
      context,
      spool,
      ...(clockMs ? { nowUs: () => clockMs() * 1000 } : {}),
      buffer: this.buffer,
      requestSink: this.joiner ?? this.callers,
      callerSink: this.callers,
      enrichCaller: (caller) => {
        caller.team = options.tenantTeams?.[caller.tenant] ?? caller.team;
      },
      log: options.log,
      onRequests: (requests) => options.onRequests?.(requests),
      enrichRequest: (request) => this.enrich(request),
    });
    const otlp = options.otlp;
    const auth = new OtlpAuth(otlp?.bearerTokensSha256 ?? []);
    this.receiver = otlp
      ? new OtlpHttpReceiver({ ...otlp, context, buffer: this.buffer, log: options.log, ingest, auth })
      : null;
    this.grpcReceiver =
      otlp && otlp.grpcPort !== null && otlp.grpcPort !== undefined
        ? new OtlpGrpcReceiver({
            host: otlp.host,
            port: otlp.grpcPort,
            maxMessageBytes: otlp.maxBodyBytes,
            ingest,
            log: options.log,
            auth,
            tls: otlp.tls ?? null,
          })
        : null;
  }

  async start(): Promise<void> {
    await this.startReceiving();
    await this.startScraping();
  }

  /** The OTLP receiver (and the buffer behind it); its URL is known once this resolves. */
  async startReceiving(): Promise<void> {
    if (this.spool) await replaySpool(this.spool, this.options.store, this.buffer, this.options.log);
    this.buffer.start();
    this.joiner?.start();
    this.callers.start();
    await this.receiver?.listen();
    await this.grpcReceiver?.listen();
  }

  async startScraping(): Promise<void> {
    await this.refreshTargets();
    if (this.pricing) {
      this.settleTimer = setInterval(() => this.settleLedger(), 1000);
      this.settleTimer.unref();
    }
    const every = this.options.discoveryRefreshMs;
    if (this.options.discovery && every) {
      this.refreshTimer = setInterval(() => {
        this.refreshTargets().catch((err: Error) =>
          this.options.log.warn({ err: err.message }, 'scrape target refresh failed'),
        );
      }, every);
      this.refreshTimer.unref();
    }
  }

  /** Targets as discovery sees them now: their placements learned, their scrape loops started or stopped. */
  private async refreshTargets(): Promise<void> {
    if (!this.options.discovery) return this.scraper.sync();
    const targets = await this.options.discovery.targets();
    this.currentTargets = targets;
    this.learnPlacements(targets);
    await this.scraper.sync(targets);
  }

  /** What the config says about each target's replica; explicit fields win over node labels. */
  private learnPlacements(targets: readonly ScrapeTargetConfig[]): void {
    for (const t of targets) {
      const facts = t.node_labels ? nodeFacts(t.node_labels) : {};
      const placement: ReplicaPlacement = { gpuCount: t.gpu_count };
      const gpuType = t.gpu_type ?? facts.gpuType;
      if (gpuType !== undefined) placement.gpuType = gpuType;
      if (facts.pricingKind) placement.pricingKind = facts.pricingKind;
      if (facts.usdPerGpuHour !== undefined) placement.usdPerGpuHour = facts.usdPerGpuHour;
      if (t.namespace) placement.namespace = t.namespace;
      if (t.workload) placement.workload = t.workload;
      if (t.node) placement.node = t.node;
      const nodePool = t.node_pool ?? facts.nodePool;
      if (nodePool) placement.nodePool = nodePool;
      if (t.max_batch) placement.maxBatch = t.max_batch;
      this.placements.set(replicaOf(t), placement);
      if (t.engine && isEngine(t.engine)) this.engines.set(replicaOf(t), t.engine);
      // A target that names its model joins traces to it before its first scrape.
      if (t.model && !this.replicas.has(replicaOf(t)))
        this.replicas.set(replicaOf(t), { model: this.alias(t.model), cluster: t.cluster });
    }
  }

  /** Settles the ledger's ready intervals; a bug there is logged, never lost data (records wait). */
  private settleLedger(): void {
    const nowUs = (this.options.clockMs ?? Date.now)() * 1000;
    try {
      this.pricing?.settle(nowUs);
    } catch (err) {
      this.options.log.error({ err }, 'cost ledger failed to settle');
    }
  }

  /** A replica's terms for the ledger: its price, GPUs and full batch; undefined when unpriced. */
  private accountOf(replica: string, prices: PriceBook): ReplicaAccount | undefined {
    const placement = this.placements.get(replica);
    const where = this.replicas.get(replica);
    if (!placement || !where) return undefined;
    const usdPerHour = replicaUsdPerHour(prices, placement, where.cluster);
    if (usdPerHour === null) return undefined;
    return {
      terms: {
        usdPerHour,
        gpuCount: placement.gpuCount,
        capacity: placement.maxBatch ?? this.maxBatches.get(replica) ?? null,
      },
      cluster: where.cluster,
      model: where.model,
      engine: this.engines.get(replica) ?? 'other',
      labels: placementLabels(placement),
    };
  }

  expect(traceId: string): void {
    this.joiner?.expect(traceId);
  }

  /**
   * A gateway record, enriched and priced like an engine's (its replica's engine, GPUs, node,
   * namespace and workload from the scrape target), then joined with the engine's record of the
   * same trace when one comes, or stored alone.
   */
  offerGateway(record: RequestRecord): boolean {
    this.enrich(record.request);
    // Logged first: a served request is kept even when the buffer refuses it now (stored on restart).
    this.spool?.append(record);
    const taken = this.joiner
      ? this.joiner.offerGateway(record, record.request.prefillUs !== null)
      : (this.pricing ?? this.buffer).offerRequests([record]);
    if (taken && !this.joiner) this.options.onGatewayAlone?.([record]);
    return taken;
  }

  durable(): Promise<void> {
    return this.spool?.synced() ?? Promise.resolve();
  }

  /** The scrape targets as last discovered (the config's, without discovery). */
  get targets(): readonly ScrapeTargetConfig[] {
    return this.currentTargets;
  }

  /** The model a replica serves (stored name), as its target or its scrapes say; undefined before. */
  modelOf(replica: string): string | undefined {
    return this.replicas.get(replica)?.model;
  }

  private alias(model: string): string {
    return this.options.modelAliases?.[model] ?? model;
  }

  /**
   * Fills what engines' traces and the gateway cannot know: the team of the request's tenant
   * (config `tenants`), the replica's engine, and where it runs (the scrape target's GPUs,
   * namespace, workload and node).
   */
  private enrich(request: InferenceRequest): void {
    request.model = this.alias(request.model);
    const team = this.options.tenantTeams?.[request.tenant];
    if (team && request.team === 'unknown') request.team = team;
    const engine = this.engines.get(request.replica);
    if (engine && request.engine === 'other') request.engine = engine;
    const placement = this.placements.get(request.replica);
    if (!placement) return;
    if (placement.gpuType && request.gpuType === 'unknown') {
      request.gpuType = placement.gpuType;
      request.gpuCount = placement.gpuCount;
    }
    if (placement.namespace) request.namespace = placement.namespace;
    if (placement.workload) request.workload = placement.workload;
    if (placement.node) request.node = placement.node;
  }

  status(): {
    targets: TargetHealth[];
    otlp: {
      url: string;
      grpc: string | null;
      receivedSpans: number;
      acceptedRequests: number;
      rejected: Record<string, number>;
      /** Calling apps' GenAI client spans; engine records told their tenant by one, or not in time. */
      callers: { received: number; joined: number; unjoined: number; waiting: number };
    } | null;
    buffer: {
      pendingRequests: number;
      writtenRequests: number;
      writtenSamples: number;
      writeFailures: number;
      refused: number;
      /** Rows the store could not take, turned away alone with their reason (the latest kept). */
      quarantined: number;
      quarantine: readonly QuarantinedRow[];
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
            callers: {
              received: this.callers.callersSeen,
              joined: this.callers.joined,
              unjoined: this.callers.unjoined,
              waiting: this.callers.held,
            },
          }
        : null,
      buffer: {
        pendingRequests: this.buffer.pendingRequests,
        writtenRequests: this.buffer.writtenRequests,
        writtenSamples: this.buffer.writtenSamples,
        writeFailures: this.buffer.writeFailures,
        refused: this.buffer.refused,
        quarantined: this.buffer.quarantined,
        quarantine: this.buffer.quarantine,
      },
    };
  }

  async stop(): Promise<void> {
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    this.scraper.stop();
    await this.receiver?.close();
    await this.grpcReceiver?.close();
    // Whatever still waits for its partner is stored alone; a full buffer is written and asked
    // again, for at most 10 s (what is left then is in the spool, when there is one).
    const deadline = Date.now() + 10_000;
    while ((this.joiner?.stop() ?? 0) + this.callers.stop() > 0 && Date.now() < deadline)
      await this.buffer.flush();
    // Whatever waits in the ledger is priced with what is known now (or left unpriced).
    if (this.settleTimer) clearInterval(this.settleTimer);
    this.pricing?.settleAll();
    while ((this.pricing?.held ?? 0) > 0 && Date.now() < deadline) {
      await this.buffer.flush();
      this.pricing?.settleAll();
    }
    await this.buffer.stop();
    await this.spool?.close();
    this.options.log.info(
      {
        writtenRequests: this.buffer.writtenRequests,
        pendingRequests: this.buffer.pendingRequests,
        quarantined: this.buffer.quarantined,
        leftInSpool: this.spool?.held ?? null,
      },
      'collector stopped: what is left pending is stored from the spool on the next start',
    );
  }
}
