import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { GatewayRecord } from './gateway.ts';
import type { Upstream } from './upstreams.ts';

/**
 * The gateway's own Prometheus metrics, served on its port at GET /metrics. Labels stay bounded:
 * tenants and models come from the config (a model no replica serves is `(unserved)`), codes
 * from a fixed set.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'kubeburner_gateway_requests_total',
    help: 'Requests the gateway finished, by tenant, model, outcome and HTTP status',
    labelNames: ['tenant', 'model', 'status', 'code'],
    registers: [this.registry],
  });
  private readonly overhead = new Histogram({
    name: 'kubeburner_gateway_overhead_seconds',
    help: 'Arrival at the gateway to the request leaving for a replica (admission and routing)',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05],
    registers: [this.registry],
  });
  private readonly ttft = new Histogram({
    name: 'kubeburner_gateway_time_to_first_token_seconds',
    help: 'Client-perceived time to first token, measured at the gateway',
    labelNames: ['model'],
    buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 4, 8, 16, 32],
    registers: [this.registry],
  });
  private readonly retries = new Counter({
    name: 'kubeburner_gateway_retries_total',
    help: 'Attempts on another replica after a failure before the first byte',
    registers: [this.registry],
  });
  readonly telemetryDropped = new Counter({
    name: 'kubeburner_gateway_telemetry_dropped_total',
    help: 'Request records dropped because the store buffer was full (requests were served)',
    registers: [this.registry],
  });
  readonly undurableAnswers = new Counter({
    name: 'kubeburner_gateway_undurable_answers_total',
    help: 'Answers ended before their record reached the spool on disk (the disk failed or stalled over 5 s)',
    registers: [this.registry],
  });

  private servedModels: ReadonlySet<string>;

  constructor(upstreams: readonly Upstream[]) {
    this.servedModels = new Set(upstreams.flatMap((u) => u.spec.models));
    new Gauge({
      name: 'kubeburner_gateway_upstream_outstanding_requests',
      help: 'Requests in flight to each replica through this gateway',
      labelNames: ['upstream'],
      registers: [this.registry],
      collect() {
        for (const u of upstreams) this.set({ upstream: u.name }, u.outstandingRequests);
      },
    });
    new Gauge({
      name: 'kubeburner_gateway_upstream_healthy',
      help: '1 while a replica is in rotation, 0 while ejected',
      labelNames: ['upstream'],
      registers: [this.registry],
      collect() {
        const now = Date.now();
        for (const u of upstreams) this.set({ upstream: u.name }, u.healthy(now) ? 1 : 0);
      },
    });
  }

  /** The upstreams changed (discovery): models they serve are labelled by name, others `(unserved)`. */
  upstreamsChanged(upstreams: readonly Upstream[]): void {
    this.servedModels = new Set(upstreams.flatMap((u) => u.spec.models));
  }

  // Label children looked up by one string key: prom-client would hash the label object per call.
  private readonly requestChildren = new Map<string, Counter.Internal>();
  private readonly ttftChildren = new Map<string, Histogram.Internal<string>>();

  observe(record: GatewayRecord): void {
    const tenant = record.tenant ?? '';
    // A model no replica serves is the client's free text: one label value for all of them.
    const model =
      record.model === null ? '' : this.servedModels.has(record.model) ? record.model : '(unserved)';
    const code = String(record.httpStatus);
    const key = `${tenant}\u0000${model}\u0000${record.status}\u0000${code}`;
    let counter = this.requestChildren.get(key);
    if (!counter) {
      counter = this.requests.labels({ tenant, model, status: record.status, code });
      this.requestChildren.set(key, counter);
    }
    counter.inc();
    if (record.upstreamStartMs !== null)
      this.overhead.observe((record.upstreamStartMs - record.arrivalMs) / 1000);
    if (record.firstTokenMs !== null && record.status === 'ok') {
      let ttft = this.ttftChildren.get(model);
      if (!ttft) {
        ttft = this.ttft.labels({ model });
        this.ttftChildren.set(model, ttft);
      }
      ttft.observe((record.firstTokenMs - record.arrivalMs) / 1000);
    }
    if (record.attempts > 1) this.retries.inc(record.attempts - 1);
  }
}
