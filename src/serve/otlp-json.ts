/** OTLP/JSON shapes (opentelemetry-proto, JSON mapping) for what KubeBurner sends. */
export type OtlpValue = { stringValue: string } | { intValue: string } | { doubleValue: number };
export interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpAttribute[];
  events?: { timeUnixNano: string; name: string; attributes: OtlpAttribute[] }[];
  links?: { traceId: string; spanId: string }[];
  status: { code?: number; message?: string };
}
export interface OtlpResourceSpans {
  resource: { attributes: OtlpAttribute[] };
  scopeSpans: { scope: { name: string }; spans: OtlpSpan[] }[];
}

export const stringAttribute = (key: string, value: string): OtlpAttribute => ({
  key,
  value: { stringValue: value },
});
export const intAttribute = (key: string, value: number): OtlpAttribute => ({
  key,
  value: { intValue: String(Math.round(value)) },
});
export const doubleAttribute = (key: string, value: number): OtlpAttribute => ({
  key,
  value: { doubleValue: value },
});
/** Epoch microseconds as OTLP's nanosecond string. */
export const microsToNanos = (us: number): string => `${Math.round(us)}000`;
