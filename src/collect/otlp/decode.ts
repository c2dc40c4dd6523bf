import { createRequire } from 'node:module';
import type { OtlpResourceSpansData } from '../../normalize/otlp-types.ts';

/*
 * OTLP protobuf through the official opentelemetry-proto definitions as compiled by the
 * OpenTelemetry JS project (protobufjs static code in @opentelemetry/otlp-transformer). Pinned to
 * 0.209: later releases replaced the generated code with hand-written encoders and ship no decoder.
 */
const require = createRequire(import.meta.url);
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root.js') as {
  opentelemetry: {
    proto: {
      collector: {
        trace: { v1: { ExportTraceServiceRequest: ProtoMessage } };
        metrics: { v1: { ExportMetricsServiceRequest: ProtoMessage } };
      };
    };
  };
};

interface ProtoMessage {
  decode(bytes: Uint8Array): unknown;
  toObject(message: unknown, options: Record<string, unknown>): Record<string, unknown>;
  verify(message: unknown): string | null;
}

const TraceRequest = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
const MetricsRequest = root.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;

export class OtlpDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OtlpDecodeError';
  }
}

export type OtlpEncoding = 'protobuf' | 'json';

export function encodingOf(contentType: string | undefined): OtlpEncoding | null {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  return null;
}

const hex = (value: unknown): string =>
  value instanceof Uint8Array ? Buffer.from(value).toString('hex') : typeof value === 'string' ? value : '';

/** Protobuf bytes fields (trace and span ids) → lowercase hex, as the OTLP JSON mapping writes them. */
function normalizeIds(resourceSpans: unknown[]): OtlpResourceSpansData[] {
  for (const rs of resourceSpans as { scopeSpans?: { spans?: Record<string, unknown>[] }[] }[]) {
    for (const scope of rs.scopeSpans ?? []) {
      for (const span of scope.spans ?? []) {
        span.traceId = hex(span.traceId);
        span.spanId = hex(span.spanId);
        if (span.parentSpanId !== undefined) span.parentSpanId = hex(span.parentSpanId);
      }
    }
  }
  return resourceSpans as OtlpResourceSpansData[];
}

function parseJson(body: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new OtlpDecodeError(`body is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new OtlpDecodeError('body must be a JSON object');
  return value as Record<string, unknown>;
}

function decodeProtobuf(type: ProtoMessage, body: Buffer): Record<string, unknown> {
  try {
    const message = type.decode(body);
    return type.toObject(message, { longs: String, enums: Number, bytes: Uint8Array, defaults: false });
  } catch (err) {
    throw new OtlpDecodeError(`body is not a valid OTLP protobuf message: ${(err as Error).message}`);
  }
}

export function decodeTraces(body: Buffer, encoding: OtlpEncoding): OtlpResourceSpansData[] {
  const message = encoding === 'json' ? parseJson(body) : decodeProtobuf(TraceRequest, body);
  const resourceSpans = message.resourceSpans ?? [];
  if (!Array.isArray(resourceSpans)) throw new OtlpDecodeError('resourceSpans must be an array');
  // JSON already carries hex ids; protobuf bytes need converting (shapes are the schema's there).
  return encoding === 'protobuf' ? normalizeIds(resourceSpans) : (resourceSpans as OtlpResourceSpansData[]);
}

/** OTLP metrics, decoded to the JSON mapping's shape. */
export function decodeMetrics(body: Buffer, encoding: OtlpEncoding): Record<string, unknown>[] {
  const message = encoding === 'json' ? parseJson(body) : decodeProtobuf(MetricsRequest, body);
  const resourceMetrics = message.resourceMetrics ?? [];
  if (!Array.isArray(resourceMetrics)) throw new OtlpDecodeError('resourceMetrics must be an array');
  return resourceMetrics as Record<string, unknown>[];
}
