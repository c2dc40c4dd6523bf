import { createServer as createHttpsServer } from 'node:https';
import type { OtlpAuth } from './auth.ts';
import type { OtlpTls } from './tls.ts';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { DecomposedRequest, TraceContext } from '../../normalize/decompose.ts';
import type { Logger } from '../../util/log.ts';
import type { IngestBuffer } from '../ingest-buffer.ts';
import type { RejectionCounter } from '../rejections.ts';
import { OtlpDecodeError, encodingOf } from './decode.ts';
import { OtlpIngest } from './ingest.ts';
import { RPC, exportResponseBody, statusBody } from './status.ts';

const gunzipAsync = promisify(gunzip);

export interface OtlpReceiverOptions {
  host?: string;
  port?: number;
  /** Largest body accepted as sent (compressed or not). */
  maxBodyBytes?: number;
  /** Largest body after gunzip (guards against compression bombs). */
  maxDecompressedBytes?: number;
  context: TraceContext;
  buffer: IngestBuffer;
  log: Logger;
  /** Sees every accepted request (the canonical /metrics builds its histograms from them). */
  onRequests?: (requests: readonly DecomposedRequest[]) => void;
  /** Share the ingest core with another transport (the gRPC receiver). */
  ingest?: OtlpIngest;
  /** Bearer tokens senders must present; open when none are configured. */
  auth?: OtlpAuth;
  /** Serve HTTPS; with a client CA, only senders with a certificate it signed get in (mTLS). */
  tls?: OtlpTls | null;
}

/** At most `slots` tasks at once; up to `queue` more wait; beyond that, `refuse` is called. */
class Admission {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly slots: number,
    private readonly queue: number,
    private readonly refuse: () => never,
  ) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.slots) {
      if (this.waiting.length >= this.queue) this.refuse();
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else this.running++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly rpcCode: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * OTLP/HTTP receiver (`/v1/traces`, `/v1/metrics`), protobuf or JSON, optionally gzip. Follows the
 * OTLP spec's responses: 200 with partial success, 400 with a Status on malformed input, 413 over
 * the size limit, 415 for other content types, 429 with Retry-After when the buffer is full.
 */
export class OtlpHttpReceiver {
  private server: Server | null = null;
  /**
   * Bodies read, inflated and decoded at once: each may inflate to 64 MiB, so many at a time
   * would take gigabytes; the rest wait their turn, and past a queue, are told to retry (429).
   */
  private readonly decoding = new Admission(4, 64, () => {
    throw new HttpError(429, RPC.RESOURCE_EXHAUSTED, 'too many exports being decoded; retry later');
  });
  readonly ingest: OtlpIngest;
  port = 0;

  constructor(private readonly options: OtlpReceiverOptions) {
    this.ingest = options.ingest ?? new OtlpIngest(options);
  }

  get rejections(): RejectionCounter {
    return this.ingest.rejections;
  }

  get receivedSpans(): number {
    return this.ingest.receivedSpans;
  }

  get acceptedRequests(): number {
    return this.ingest.acceptedRequests;
  }

  get url(): string {
    return `${this.options.tls ? 'https' : 'http'}://${this.options.host ?? '127.0.0.1'}:${this.port}`;
  }

  async listen(): Promise<void> {
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    const tls = this.options.tls;
    this.server = tls
      ? createHttpsServer(
          {
            cert: tls.cert,
            key: tls.key,
            ...(tls.clientCa ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
          },
          handler,
        )
      : createServer(handler);
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', reject);
      this.server?.listen(this.options.port ?? 4318, this.options.host ?? '127.0.0.1', resolve);
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async readBody(req: IncomingMessage): Promise<Buffer> {
    const limit = this.options.maxBodyBytes ?? 16 * 1024 * 1024;
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit)
      throw new HttpError(
        413,
        RPC.INVALID_ARGUMENT,
        `body of ${declared} bytes exceeds the ${limit}-byte limit`,
      );
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > limit)
        throw new HttpError(413, RPC.INVALID_ARGUMENT, `body exceeds the ${limit}-byte limit`);
      chunks.push(chunk as Buffer);
    }
    const body = Buffer.concat(chunks);
    const contentEncoding = String(req.headers['content-encoding'] ?? 'identity').toLowerCase();
    if (contentEncoding === 'identity') return body;
    if (contentEncoding !== 'gzip')
      throw new HttpError(415, RPC.INVALID_ARGUMENT, `unsupported content-encoding ${contentEncoding}`);
    const maxOutputLength = this.options.maxDecompressedBytes ?? 64 * 1024 * 1024;
    try {
      return await gunzipAsync(body, { maxOutputLength });
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ERR_BUFFER_TOO_LARGE')
        throw new HttpError(
          413,
          RPC.INVALID_ARGUMENT,
          `decompressed body exceeds the ${maxOutputLength}-byte limit`,
        );
      throw new HttpError(400, RPC.INVALID_ARGUMENT, `invalid gzip body: ${(err as Error).message}`);
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    const encoding = encodingOf(req.headers['content-type']);
    const asProtobuf = encoding === 'protobuf';
    const reply = (status: number, body: Buffer, headers: Record<string, string> = {}) => {
      res.writeHead(status, {
        'content-type': asProtobuf ? 'application/x-protobuf' : 'application/json',
        'content-length': body.length,
        ...headers,
      });
      res.end(body);
    };
    try {
      if (req.method !== 'POST' || (path !== '/v1/traces' && path !== '/v1/metrics')) {
        throw new HttpError(404, RPC.UNIMPLEMENTED, `no OTLP endpoint at ${req.method} ${path}`);
      }
      if (this.options.auth && !this.options.auth.allows(req.headers.authorization)) {
        throw new HttpError(401, RPC.UNAUTHENTICATED, 'this receiver needs Authorization: Bearer <token>');
      }
      if (!encoding) {
        throw new HttpError(
          415,
          RPC.INVALID_ARGUMENT,
          `unsupported content-type ${req.headers['content-type'] ?? '(none)'}: use application/x-protobuf or application/json`,
        );
      }
      const signal = path === '/v1/traces' ? 'traces' : 'metrics';
      const outcome = await this.decoding.run(async () => {
        const body = await this.readBody(req);
        return signal === 'traces' ? this.ingest.traces(body, encoding) : this.ingest.metrics(body, encoding);
      });
      if (!outcome.accepted) throw new HttpError(429, RPC.RESOURCE_EXHAUSTED, outcome.reason);
      // Acknowledged only once durable: a crash after this answer loses nothing it accepted.
      await this.ingest.durable().catch((err: Error) => {
        throw new HttpError(503, RPC.UNAVAILABLE, `could not make the data durable: ${err.message}`);
      });
      reply(200, exportResponseBody(signal, outcome.rejected, outcome.reason, asProtobuf));
    } catch (err) {
      const httpError =
        err instanceof HttpError
          ? err
          : err instanceof OtlpDecodeError
            ? new HttpError(400, RPC.INVALID_ARGUMENT, err.message)
            : new HttpError(500, RPC.INVALID_ARGUMENT, `internal error: ${(err as Error).message}`);
      if (httpError.status !== 429)
        this.ingest.rejections.count(httpError.message.replace(/\d+/g, 'N').slice(0, 120));
      // Drain what is left of the body so the connection can be reused.
      req.resume();
      reply(
        httpError.status,
        statusBody(httpError.rpcCode, httpError.message, asProtobuf),
        httpError.status === 429 || httpError.status === 503
          ? { 'retry-after': '1' }
          : httpError.status === 401
            ? { 'www-authenticate': 'Bearer' }
            : {},
      );
    }
  }
}
