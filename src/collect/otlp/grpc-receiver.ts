import type { OtlpAuth } from './auth.ts';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../util/log.ts';
import { OtlpDecodeError } from './decode.ts';
import type { OtlpIngest } from './ingest.ts';
import { exportResponseBody } from './status.ts';
import type { OtlpTls } from './tls.ts';

export interface OtlpGrpcReceiverOptions {
  host?: string;
  port?: number;
  maxMessageBytes?: number;
  ingest: OtlpIngest;
  log: Logger;
  /** Bearer tokens senders must present (metadata `authorization`); open when none. */
  auth?: OtlpAuth;
  /** Serve over TLS; with a client CA, only callers with a certificate it signed (mTLS). */
  tls?: OtlpTls | null;
}

type Handler = grpc.handleUnaryCall<Buffer, Buffer>;

/** A unary method whose messages stay bytes: OtlpIngest decodes them with the official definitions. */
function bytesMethod(path: string): grpc.MethodDefinition<Buffer, Buffer> {
  const identity = (value: Buffer) => value;
  return {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  };
}

/**
 * OTLP/gRPC receiver (TraceService/Export and MetricsService/Export, usually on port 4317), sharing
 * the ingest core with the HTTP receiver. Malformed input → INVALID_ARGUMENT; a full buffer →
 * RESOURCE_EXHAUSTED, which OTLP clients retry with back-off.
 */
export class OtlpGrpcReceiver {
  private server: grpc.Server | null = null;
  port = 0;

  constructor(private readonly options: OtlpGrpcReceiverOptions) {}

  get address(): string {
    return `${this.options.host ?? '127.0.0.1'}:${this.port}`;
  }

  private handler(signal: 'traces' | 'metrics'): Handler {
    return (call, callback) => {
      const authorization = call.metadata.get('authorization')[0];
      if (
        this.options.auth &&
        !this.options.auth.allows(typeof authorization === 'string' ? authorization : undefined)
      ) {
        callback({
          code: grpc.status.UNAUTHENTICATED,
          details: 'this receiver needs authorization: Bearer <token>',
        });
        return;
      }
      try {
        const outcome =
          signal === 'traces'
            ? this.options.ingest.traces(call.request, 'protobuf')
            : this.options.ingest.metrics(call.request, 'protobuf');
        if (!outcome.accepted) {
          callback({ code: grpc.status.RESOURCE_EXHAUSTED, details: outcome.reason });
          return;
        }
        // Acknowledged only once durable (the spool's group commit).
        this.options.ingest.durable().then(
          () => callback(null, exportResponseBody(signal, outcome.rejected, outcome.reason, true)),
          (err: Error) => callback({ code: grpc.status.UNAVAILABLE, details: `not durable: ${err.message}` }),
        );
      } catch (err) {
        const invalid = err instanceof OtlpDecodeError;
        if (invalid) this.options.ingest.rejections.count(err.message.replace(/\d+/g, 'N').slice(0, 120));
        callback({
          code: invalid ? grpc.status.INVALID_ARGUMENT : grpc.status.INTERNAL,
          details: (err as Error).message,
        });
      }
    };
  }

  async listen(): Promise<void> {
    const max = this.options.maxMessageBytes ?? 16 * 1024 * 1024;
    this.server = new grpc.Server({ 'grpc.max_receive_message_length': max });
    this.server.addService(
      { Export: bytesMethod('/opentelemetry.proto.collector.trace.v1.TraceService/Export') },
      { Export: this.handler('traces') },
    );
    this.server.addService(
      { Export: bytesMethod('/opentelemetry.proto.collector.metrics.v1.MetricsService/Export') },
      { Export: this.handler('metrics') },
    );
    this.port = await new Promise<number>((resolve, reject) =>
      this.server?.bindAsync(
        `${this.options.host ?? '127.0.0.1'}:${this.options.port ?? 4317}`,
        this.credentials(),
        (err, port) => (err ? reject(err) : resolve(port)),
      ),
    );
  }

  private credentials(): grpc.ServerCredentials {
    const tls = this.options.tls;
    if (!tls) return grpc.ServerCredentials.createInsecure();
    return grpc.ServerCredentials.createSsl(
      tls.clientCa,
      [{ private_key: tls.key, cert_chain: tls.cert }],
      tls.clientCa !== null, // a client CA given: a client certificate is required
    );
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) =>
      this.server ? this.server.tryShutdown(() => resolve()) : resolve(),
    );
  }
}
