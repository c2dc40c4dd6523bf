/** OTLP trace data after decoding (JSON mapping, or protobuf decoded to the same shape). */
export type AnyValue =
  | { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean }
  | Record<string, unknown>;

export interface KeyValue {
  key: string;
  value?: AnyValue;
}

export interface OtlpSpanData {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number;
  startTimeUnixNano: string | number;
  endTimeUnixNano: string | number;
  attributes?: KeyValue[];
  status?: { code?: number; message?: string };
}

export interface OtlpResourceSpansData {
  resource?: { attributes?: KeyValue[] };
  scopeSpans?: { scope?: { name?: string }; spans?: OtlpSpanData[] }[];
}

export function attributeMap(
  attributes: readonly KeyValue[] | undefined,
): Map<string, string | number | boolean> {
  const out = new Map<string, string | number | boolean>();
  if (!Array.isArray(attributes)) return out;
  // Entries that are not key/value objects ([null], a bare string) are skipped, not fatal.
  for (const entry of attributes as unknown[]) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { key, value } = entry as Partial<KeyValue>;
    if (typeof key !== 'string' || !value || typeof value !== 'object') continue;
    const v = value as {
      stringValue?: string;
      intValue?: string | number;
      doubleValue?: number;
      boolValue?: boolean;
    };
    if (v.stringValue !== undefined) out.set(key, v.stringValue);
    else if (v.intValue !== undefined) out.set(key, Number(v.intValue));
    else if (v.doubleValue !== undefined) out.set(key, Number(v.doubleValue));
    else if (v.boolValue !== undefined) out.set(key, v.boolValue);
  }
  return out;
}

/** Nanosecond timestamps as strings (JSON) or numbers → epoch microseconds, exactly. */
export function nanosToMicros(value: string | number): number {
  if (typeof value === 'number') return Math.floor(value / 1000);
  return Number(BigInt(value) / 1000n);
}
