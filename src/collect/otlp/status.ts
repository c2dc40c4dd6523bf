import protobuf from 'protobufjs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root.js') as {
  opentelemetry: {
    proto: {
      collector: {
        trace: { v1: { ExportTraceServiceResponse: ResponseType } };
        metrics: { v1: { ExportMetricsServiceResponse: ResponseType } };
      };
    };
  };
};

interface ResponseType {
  fromObject(value: Record<string, unknown>): unknown;
  encode(message: unknown): { finish(): Uint8Array };
}

/** google.rpc.Status, the body of OTLP error responses (declared with protobufjs, not hand-encoded). */
const Status = new protobuf.Type('Status')
  .add(new protobuf.Field('code', 1, 'int32'))
  .add(new protobuf.Field('message', 2, 'string'));

/** gRPC status codes OTLP uses. */
export const RPC = {
  INVALID_ARGUMENT: 3,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

export function statusBody(code: number, message: string, protobufEncoding: boolean): Buffer {
  if (!protobufEncoding) return Buffer.from(JSON.stringify({ code, message }));
  return Buffer.from(Status.encode(Status.create({ code, message })).finish());
}

export function exportResponseBody(
  signal: 'traces' | 'metrics',
  rejected: number,
  errorMessage: string,
  protobufEncoding: boolean,
): Buffer {
  const field = signal === 'traces' ? 'rejectedSpans' : 'rejectedDataPoints';
  const partial = rejected > 0 ? { partialSuccess: { [field]: rejected, errorMessage } } : {};
  if (!protobufEncoding) return Buffer.from(JSON.stringify(partial));
  const type =
    signal === 'traces'
      ? root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse
      : root.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
  return Buffer.from(type.encode(type.fromObject(partial)).finish());
}
