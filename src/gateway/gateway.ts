import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatewayConfig } from '../config/schema.ts';
import type { Logger } from '../util/log.ts';
import { parseDurationMs } from '../util/time.ts';
import { newRequestId, newSpanId, newTraceId } from './ids.ts';
import { refusal, type Refusal } from './openai-error.ts';
import { isRefusal, TenantPolicy, type Admission, type SpendSource } from './policy.ts';
import { estimateTokens, prefixBlockHashes, promptText } from './prefix.ts';
import { Router, type RouteDecision } from './router.ts';
import { Exchange } from './exchange.ts';
import type { Usage } from './sse-tap.ts';
import type { EngineTiming } from './engine-timing.ts';
import { GatewayMetrics } from './gateway-metrics.ts';
import { Upstream, type EngineSignals, type UpstreamSpec } from './upstreams.ts';

const PROXIED = new Set(['/v1/chat/completions', '/v1/completions', '/v1/embeddings']);
const MAX_BODY_BYTES = 16 * 1024 * 1024;
/** How long an answer's end waits for its record to reach the disk before it is sent anyway. */
const DURABLE_WAIT_MS = 5000;
/** Request headers not forwarded upstream (hop-by-hop, or ours to set). */
const DROPPED_HEADERS = new Set([
  'host',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'authorization',
  'traceparent',
  'tracestate',
  'upgrade',
  'proxy-connection',
]);
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** Everything the gateway saw of one request, for telemetry (telemetry.ts turns it into a record). */
export interface GatewayRecord {
  requestId: string;
  traceId: string;
  /** The client's span (from its traceparent), if it sent one. */
  parentSpanId: string | null;
  /** The span id sent upstream in traceparent. */
  upstreamSpanId: string;
  path: string;
  model: string | null;
  tenant: string | null;
  team: string | null;
  priority: string | null;
  stream: boolean;
  arrivalMs: number;
  /** When the request left for the chosen replica (after admission and routing). */
  upstreamStartMs: number | null;
  firstByteMs: number | null;
  /**
   * The first token: seen in the stream, or — for a whole (non-streaming) answer — where the
   * engine's own timing report places it; null when neither says (never the end of the answer).
   */
  firstTokenMs: number | null;
  firstVisibleTokenMs: number | null;
  finishedMs: number;
  status: 'ok' | 'error' | 'timeout' | 'cancelled' | 'rejected';
  httpStatus: number;
  errorClass: string | null;
  usage: Usage | null;
  /** The engine's own report of this request's timing (llama.cpp `timings`, TGI headers). */
  engineTiming: EngineTiming | null;
  /** When that report reached the gateway: the engine had finished the request by then. */
  engineTimingAtMs: number | null;
  events: number;
  maxGapMs: number;
  meanGapMs: number | null;
  upstream: string | null;
  replica: string | null;
  attempts: number;
  route: RouteDecision['candidates'] | null;
  prefixHashes: string[];
  /** Only when the tenant has store_prompts on. */
  prompt: string | null;
}

export interface GatewayOptions {
  config: GatewayConfig;
  signals?: EngineSignals | null;
  spend?: SpendSource | null;
  /**
   * Called once per request after the replica's answer ends; must not block (telemetry buffers or
   * drops). It may return a promise of the record being durable: a served answer's end is sent
   * to the client only once it settles (at most DURABLE_WAIT_MS later), so a crash after the
   * client saw its answer complete cannot lose the record.
   */
  onRecord?: (record: GatewayRecord) => Promise<void> | void;
  /** Called with the trace id of each request as it is forwarded (the collector's joiner expects it). */
  onForward?: (traceId: string) => void;
  log?: Logger;
  nowMs?: () => number;
}

export class Gateway {
  readonly upstreams: Upstream[];
  readonly router: Router;
  readonly metrics: GatewayMetrics;
  readonly stats = {
    requests: 0,
    refused: 0,
    retried: 0,
    upstreamErrors: 0,
    clientAborts: 0,
    recordErrors: 0,
    /** Answers ended before their record was on disk (the disk failed or took > DURABLE_WAIT_MS). */
    undurableAnswers: 0,
  };
  private readonly policy: TenantPolicy | null;
  private readonly server: Server;
  private healthTimer: NodeJS.Timeout | null = null;
  private readonly nowMs: () => number;
  private readonly ejectForMs: number;
  private readonly timeoutMs: number;

  constructor(private readonly options: GatewayOptions) {
    const { config } = options;
    // Sub-millisecond wall time: TTFT and chunk gaps are often a few milliseconds.
    const origin = performance.timeOrigin; // a getter: read once, not per timestamp
    this.nowMs = options.nowMs ?? (() => origin + performance.now());
    this.upstreams = config.upstreams.map((u) => new Upstream(u));
    this.router = new Router(this.upstreams, config.routing.weights, options.signals ?? null, this.nowMs);
    this.metrics = new GatewayMetrics(this.upstreams);
    // With no tenants configured the gateway is open (trusted in-cluster use); with any, a key is required.
    this.policy =
      config.tenants.length > 0 ? new TenantPolicy(config.tenants, options.spend ?? null, this.nowMs) : null;
    this.ejectForMs = parseDurationMs(config.health.eject_for);
    this.timeoutMs = parseDurationMs(config.upstream_timeout);
    this.server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.options.log?.error({ err }, 'gateway request failed');
        if (!res.headersSent)
          this.refuse(res, refusal(502, 'api_error', 'gateway_error', 'The gateway failed.'));
        else res.destroy();
      });
    });
    this.server.headersTimeout = 30_000;
  }

  async listen(port = this.options.config.port, host = this.options.config.host): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    const address = this.server.address() as AddressInfo;
    this.startHealthChecks();
    return `http://${host}:${address.port}`;
  }

  async close(): Promise<void> {
    if (this.healthTimer) clearInterval(this.healthTimer);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.all(this.upstreams.map((u) => u.close()));
  }

  /**
   * Replaces the upstream set (engine pods found by discovery come and go). Upstreams that stay
   * keep their load, health and connections; new ones start healthy; gone ones stop taking
   * requests at once and close once their requests in flight have finished.
   */
  setUpstreams(specs: readonly UpstreamSpec[]): { added: string[]; removed: string[] } {
    const key = (s: UpstreamSpec) =>
      `${s.name} ${s.url} ${[...s.models].sort().join(',')} ${s.replica ?? ''}`;
    const wanted = new Map(specs.map((s) => [key(s), s]));
    const current = new Map(this.upstreams.map((u) => [key(u.spec), u]));
    const removed = this.upstreams.filter((u) => !wanted.has(key(u.spec)));
    const added = [...wanted].filter(([k]) => !current.has(k)).map(([, s]) => new Upstream(s));
    if (removed.length === 0 && added.length === 0) return { added: [], removed: [] };
    const next = [...this.upstreams.filter((u) => wanted.has(key(u.spec))), ...added];
    // In place: the router, the metrics and the health checks hold this same array.
    this.upstreams.splice(0, this.upstreams.length, ...next);
    this.metrics.upstreamsChanged(this.upstreams);
    for (const u of removed) void u.close(); // undici lets requests in flight finish first
    return { added: added.map((u) => u.name), removed: removed.map((u) => u.name) };
  }

  private startHealthChecks(): void {
    const { health } = this.options.config;
    const check = () => {
      for (const upstream of this.upstreams) {
        upstream.pool
          .request({
            path: `${upstream.basePath}/health`,
            method: 'GET',
            headersTimeout: 2000,
            bodyTimeout: 2000,
          })
          .then(async (r) => {
            await r.body.dump();
            if (r.statusCode < 400) upstream.recordSuccess();
            else upstream.recordFailure(this.nowMs(), health.eject_after_failures, this.ejectForMs);
          })
          .catch(() => upstream.recordFailure(this.nowMs(), health.eject_after_failures, this.ejectForMs));
      }
    };
    this.healthTimer = setInterval(check, parseDurationMs(health.interval));
    this.healthTimer.unref();
  }

  private refuse(res: ServerResponse, r: Refusal): void {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (r.retryAfterS !== undefined) headers['retry-after'] = String(r.retryAfterS);
    res.writeHead(r.status, headers);
    res.end(JSON.stringify(r.body));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrivalMs = this.nowMs();
    const path = (req.url ?? '/').split('?')[0] as string;
    if (req.method === 'GET' && path === '/v1/models') return this.listModels(res);
    if (req.method === 'GET' && path === '/metrics') {
      res.writeHead(200, { 'content-type': this.metrics.registry.contentType });
      return void res.end(await this.metrics.registry.metrics());
    }
    if (req.method === 'GET' && (path === '/health' || path === '/healthz')) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      return void res.end('ok');
    }
    if (req.method !== 'POST' || !PROXIED.has(path))
      return this.refuse(
        res,
        refusal(404, 'invalid_request_error', 'unknown_url', `Unknown request URL: ${req.method} ${path}.`),
      );
    this.stats.requests++;
    // Who is asking comes first: an unknown key costs no body read or JSON parse.
    const denied = this.policy?.authenticate(req.headers.authorization);
    if (denied && isRefusal(denied)) {
      this.stats.refused++;
      req.resume(); // drained unread, so the connection can carry the answer
      this.refuse(res, denied);
      return void this.emit(this.refusedRecord(req, path, null, {}, arrivalMs, denied));
    }

    const raw = await readBody(req);
    if (raw === null)
      return this.refuse(
        res,
        refusal(400, 'invalid_request_error', 'body_too_large', `The body is over ${MAX_BODY_BYTES} bytes.`),
      );
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('not an object');
    } catch {
      return this.refuse(
        res,
        refusal(400, 'invalid_request_error', 'invalid_json', 'The body is not a JSON object.'),
      );
    }
    const model = typeof body.model === 'string' ? body.model : null;
    if (model === null)
      return this.refuse(
        res,
        refusal(400, 'invalid_request_error', 'missing_model', 'The body must name a model.', {
          param: 'model',
        }),
      );
    const text = promptText(body);
    const promptTokens = estimateTokens(text);
    const requested =
      typeof body.max_tokens === 'number'
        ? body.max_tokens
        : typeof body.max_completion_tokens === 'number'
          ? body.max_completion_tokens
          : null;

    let admission: Admission | null = null;
    if (this.policy) {
      const result = this.policy.admit(req.headers.authorization, model, requested, promptTokens);
      if (isRefusal(result)) {
        this.stats.refused++;
        this.refuse(res, result);
        return void this.emit(this.refusedRecord(req, path, model, body, arrivalMs, result));
      }
      admission = result;
    }
    // After the tenant's allow-list (a 403 says no more than that). A model no replica serves is
    // the client's mistake (404, as OpenAI answers), not an outage: SDKs raise NotFoundError and do
    // not retry. Its token reservation is given back.
    if (!this.upstreams.some((u) => u.serves(model))) {
      if (admission) this.policy?.settle(admission, 0);
      const notFound = refusal(
        404,
        'invalid_request_error',
        'model_not_found',
        `The model "${model.slice(0, 200)}" does not exist or no replica serves it.`,
        { param: 'model' },
      );
      this.refuse(res, notFound);
      return void this.emit(this.refusedRecord(req, path, model, body, arrivalMs, notFound));
    }

    // Ask for usage in the stream when the client did not, and take it back out before it reaches them.
    const stream = body.stream === true;
    const options = (body.stream_options ?? {}) as Record<string, unknown>;
    const injectUsage = stream && path !== '/v1/embeddings' && options.include_usage !== true;
    let forwarded = raw;
    let forwardedBody = body; // what `forwarded` encodes
    if (injectUsage || (admission && admission.maxTokens !== requested)) {
      const copy = { ...body };
      if (injectUsage) copy.stream_options = { ...options, include_usage: true };
      if (admission && admission.maxTokens !== null && admission.maxTokens !== requested) {
        if ('max_completion_tokens' in copy && !('max_tokens' in copy))
          copy.max_completion_tokens = admission.maxTokens;
        else copy.max_tokens = admission.maxTokens;
      }
      forwarded = Buffer.from(JSON.stringify(copy));
      forwardedBody = copy;
    }

    const incoming = TRACEPARENT.exec(String(req.headers.traceparent ?? ''));
    const traceId = incoming?.[1] ?? newTraceId();
    const upstreamSpanId = newSpanId();
    const headers: Record<string, string> = {};
    const incomingHeaders = req.headers;
    for (const key in incomingHeaders) {
      const value = incomingHeaders[key];
      if (typeof value === 'string' && !DROPPED_HEADERS.has(key)) headers[key] = value;
    }
    headers['content-type'] = 'application/json';
    headers.traceparent = `00-${traceId}-${upstreamSpanId}-${incoming?.[3] ?? '01'}`;
    if (req.headers.tracestate) headers.tracestate = String(req.headers.tracestate);
    if (admission) {
      headers['x-kubeburner-tenant'] = admission.tenant.name;
      headers['x-kubeburner-priority'] = admission.tenant.priority;
    }

    let clientGone = false;
    let current: Exchange | null = null; // the attempt in flight
    let answered: Exchange | null = null; // the attempt whose answer the client is getting
    res.on('close', () => {
      if (!res.writableFinished) {
        clientGone = true;
        current?.cancel(new Error('the client disconnected'));
      }
    });

    const sessionId =
      typeof req.headers['x-session-id'] === 'string'
        ? req.headers['x-session-id']
        : typeof body.user === 'string'
          ? body.user
          : null;
    const prefixHashes = prefixBlockHashes(
      text,
      this.options.config.routing.prefix_block_chars,
      this.options.config.routing.prefix_blocks,
    );
    const record = newRecord({
      requestId:
        typeof req.headers['x-request-id'] === 'string' ? req.headers['x-request-id'] : newRequestId(),
      traceId,
      parentSpanId: incoming?.[2] ?? null,
      upstreamSpanId,
      path,
      model,
      tenant: admission?.tenant.name ?? null,
      team: admission?.tenant.team ?? null,
      priority: admission?.tenant.priority ?? null,
      stream,
      arrivalMs,
      prefixHashes,
      prompt: admission?.tenant.store_prompts ? text : null,
    });
    const { health, routing } = this.options.config;
    const tried = new Set<string>();
    let withPriority: Buffer | undefined; // the body for upstreams that take a numeric priority
    const estimatedTokens = promptTokens + (admission?.maxTokens ?? requested ?? 256);

    try {
      this.options.onForward?.(traceId);
    } catch {
      this.stats.recordErrors++; // telemetry only: the request goes on
    }
    for (let attempt = 0; attempt <= routing.retries; attempt++) {
      const decision = this.router.route({ model, prefixHashes, sessionId, estimatedTokens, exclude: tried });
      if (!decision) break;
      const upstream = decision.chosen;
      tried.add(upstream.name);
      record.attempts++;
      record.route ??= decision.candidates;
      record.upstream = upstream.name;
      record.replica = upstream.replica;
      record.upstreamStartMs ??= this.nowMs();
      if (attempt > 0) this.stats.retried++;
      upstream.outstandingRequests++;
      upstream.outstandingTokens += estimatedTokens;
      try {
        const payload =
          admission && upstream.spec.priority_field && !('priority' in body)
            ? (withPriority ??= withEnginePriority(forwardedBody, admission.tenant.priority))
            : forwarded;
        headers['content-length'] = String(payload.length);
        const exchange = new Exchange({
          res,
          record,
          stream,
          stripUsage: injectUsage,
          // A server error before any byte reached the client: another replica may do better.
          retryable: attempt < routing.retries,
          nowMs: this.nowMs,
        });
        current = exchange;
        upstream.pool.dispatch(
          {
            path: `${upstream.basePath}${path}`,
            method: 'POST',
            headers,
            body: payload,
            headersTimeout: this.timeoutMs,
            bodyTimeout: this.timeoutMs,
          },
          exchange,
        );
        const outcome = await exchange.done;
        current = null;
        if (outcome !== 'retry') answered = exchange;
        if (outcome === 'retry') {
          upstream.recordFailure(this.nowMs(), health.eject_after_failures, this.ejectForMs);
          this.stats.upstreamErrors++;
          continue;
        }
        record.httpStatus = outcome;
        if (outcome >= 500) {
          record.status = 'error';
          record.errorClass = `http_${outcome}`;
          upstream.recordFailure(this.nowMs(), health.eject_after_failures, this.ejectForMs);
        } else {
          upstream.recordSuccess();
          if (outcome >= 400) {
            record.status = outcome === 429 ? 'rejected' : 'error';
            record.errorClass = `http_${outcome}`;
          }
        }
        upstream.served++;
        break;
      } catch (err) {
        current = null;
        if (clientGone) {
          record.status = 'cancelled';
          record.errorClass = 'client_disconnect';
          this.stats.clientAborts++;
          break;
        }
        this.stats.upstreamErrors++;
        upstream.recordFailure(this.nowMs(), health.eject_after_failures, this.ejectForMs);
        const timedOut = (err as { code?: string }).code?.includes('TIMEOUT') ?? false;
        record.status = timedOut ? 'timeout' : 'error';
        record.errorClass = (err as { code?: string }).code ?? 'upstream_error';
        if (res.headersSent) {
          res.destroy();
          break;
        }
      } finally {
        upstream.outstandingRequests--;
        upstream.outstandingTokens -= estimatedTokens;
      }
    }
    if (!res.headersSent && !clientGone) {
      const noReplica = record.attempts === 0;
      this.refuse(
        res,
        noReplica
          ? refusal(
              503,
              'service_unavailable',
              'no_healthy_replica',
              `No healthy replica serves model "${model}".`,
              { retryAfterS: 1 },
            )
          : refusal(
              502,
              'api_error',
              'upstream_error',
              `The model server failed (${record.errorClass}) after ${record.attempts} attempt(s).`,
            ),
      );
      record.httpStatus = noReplica ? 503 : 502;
      record.status = noReplica ? 'rejected' : record.status === 'ok' ? 'error' : record.status;
      record.errorClass ??= noReplica ? 'no_healthy_replica' : 'upstream_error';
    }
    record.finishedMs = this.nowMs();
    if (admission && this.policy)
      this.policy.settle(
        admission,
        record.usage ? record.usage.promptTokens + record.usage.completionTokens : null,
      );
    const durable = this.emit(record);
    if (answered) await this.finishWhenDurable(answered, durable);
  }

  /** Ends the answer once its record is durable, or after DURABLE_WAIT_MS (counted) if the disk stalls. */
  private async finishWhenDurable(answer: Exchange, durable: Promise<boolean> | undefined): Promise<void> {
    if (durable) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<boolean>((resolve) => (timer = setTimeout(resolve, DURABLE_WAIT_MS, false)));
      const onDisk = await Promise.race([durable, late]);
      clearTimeout(timer);
      if (!onDisk) {
        this.stats.undurableAnswers++;
        this.metrics.undurableAnswers.inc();
      }
    }
    answer.finish();
  }

  private listModels(res: ServerResponse): void {
    const models = [...new Set(this.upstreams.flatMap((u) => u.spec.models))].sort();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        object: 'list',
        data: models.map((id) => ({ id, object: 'model', owned_by: 'kubeburner' })),
      }),
    );
  }

  private refusedRecord(
    req: IncomingMessage,
    path: string,
    model: string | null,
    body: Record<string, unknown>,
    arrivalMs: number,
    r: Refusal,
  ): GatewayRecord {
    const record = newRecord({
      requestId: newRequestId(),
      traceId: TRACEPARENT.exec(String(req.headers.traceparent ?? ''))?.[1] ?? newTraceId(),
      parentSpanId: null,
      upstreamSpanId: newSpanId(),
      path,
      model,
      tenant: null,
      team: null,
      priority: null,
      stream: body.stream === true,
      arrivalMs,
      prefixHashes: [],
      prompt: null,
    });
    return {
      ...record,
      finishedMs: this.nowMs(),
      status: 'rejected',
      httpStatus: r.status,
      errorClass: r.body.error.code,
    };
  }

  /**
   * Fail-open: telemetry problems never reach the request path. Returns whether the record got
   * on disk, when the sink says (never rejects).
   */
  private emit(record: GatewayRecord): Promise<boolean> | undefined {
    try {
      this.metrics.observe(record);
      return this.options.onRecord?.(record)?.then(
        () => true,
        (err: unknown) => {
          this.options.log?.error({ err }, 'gateway record not written to disk');
          return false;
        },
      );
    } catch (err) {
      this.stats.recordErrors++;
      this.options.log?.warn({ err }, 'gateway telemetry failed; request unaffected');
    }
  }
}

type RecordIdentity = Pick<
  GatewayRecord,
  | 'requestId'
  | 'traceId'
  | 'parentSpanId'
  | 'upstreamSpanId'
  | 'path'
  | 'model'
  | 'tenant'
  | 'team'
  | 'priority'
  | 'stream'
  | 'arrivalMs'
  | 'prefixHashes'
  | 'prompt'
>;

/** A record of a request that has not reached a replica yet. */
function newRecord(identity: RecordIdentity): GatewayRecord {
  // Written out rather than spread: this runs once per request.
  return {
    requestId: identity.requestId,
    traceId: identity.traceId,
    parentSpanId: identity.parentSpanId,
    upstreamSpanId: identity.upstreamSpanId,
    path: identity.path,
    model: identity.model,
    tenant: identity.tenant,
    team: identity.team,
    priority: identity.priority,
    stream: identity.stream,
    arrivalMs: identity.arrivalMs,
    upstreamStartMs: null,
    firstByteMs: null,
    firstTokenMs: null,
    firstVisibleTokenMs: null,
    finishedMs: identity.arrivalMs,
    status: 'ok',
    httpStatus: 200,
    errorClass: null,
    usage: null,
    engineTiming: null,
    engineTimingAtMs: null,
    events: 0,
    maxGapMs: 0,
    meanGapMs: null,
    upstream: null,
    replica: null,
    attempts: 0,
    route: null,
    prefixHashes: identity.prefixHashes,
    prompt: identity.prompt,
  };
}

/** vLLM's `priority`: lower runs earlier, 0 is the default, so `normal` stays 0. */
const ENGINE_PRIORITY: Record<'high' | 'normal' | 'low', number> = { high: -1, normal: 0, low: 1 };

function withEnginePriority(body: Record<string, unknown>, priority: 'high' | 'normal' | 'low'): Buffer {
  return Buffer.from(JSON.stringify({ ...body, priority: ENGINE_PRIORITY[priority] }));
}

/** The whole request body, or null when it is over the limit. */
// Event-driven rather than for-await: an async iterator per request costs more than the body read.
function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data');
        req.resume(); // drain the rest so the connection stays usable for the refusal
        resolve(null);
      } else chunks.push(chunk);
    });
    req.once('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    req.once('error', reject);
  });
}
