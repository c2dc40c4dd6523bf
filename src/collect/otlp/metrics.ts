import type { MetricSample } from '../../model/metric-sample.ts';
import { attributeMap, nanosToMicros, type KeyValue } from '../../normalize/otlp-types.ts';

interface NumberPoint {
  attributes?: KeyValue[];
  timeUnixNano?: string | number;
  asDouble?: number;
  asInt?: string | number;
}
interface HistogramPoint {
  attributes?: KeyValue[];
  timeUnixNano?: string | number;
  count?: string | number;
  sum?: number;
  bucketCounts?: (string | number)[];
  explicitBounds?: number[];
}
interface OtlpMetric {
  name?: string;
  gauge?: { dataPoints?: NumberPoint[] };
  sum?: { dataPoints?: NumberPoint[] };
  histogram?: { dataPoints?: HistogramPoint[] };
}

/** Decoded input may hold anything where a list belongs: treat non-arrays as empty. */
function list<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

function validTime(value: unknown): boolean {
  return (
    value === undefined ||
    (typeof value === 'string'
      ? /^\d{1,20}$/.test(value)
      : typeof value === 'number' && Number.isFinite(value) && value >= 0)
  );
}

/**
 * OTLP metrics → metric samples: gauges and sums as values, explicit-bucket histograms as
 * cumulative buckets plus sum and count (the canonical histogram layout). Exponential histograms
 * and summaries are counted as rejected.
 */
export function otlpMetricsToSamples(
  resourceMetrics: Record<string, unknown>[],
  cluster: string,
): { samples: MetricSample[]; rejected: number } {
  const samples: MetricSample[] = [];
  let rejected = 0;
  for (const rm of list<{
    resource?: { attributes?: KeyValue[] };
    scopeMetrics?: { metrics?: OtlpMetric[] }[];
  }>(resourceMetrics)) {
    if (typeof rm !== 'object' || rm === null) {
      rejected++;
      continue;
    }
    const resource = attributeMap(rm.resource?.attributes);
    const replica = String(
      resource.get('k8s.pod.name') ??
        resource.get('service.instance.id') ??
        resource.get('service.name') ??
        'unknown',
    );
    for (const scope of list<{ metrics?: OtlpMetric[] }>(rm.scopeMetrics)) {
      for (const metric of list<OtlpMetric>(scope?.metrics)) {
        const name = metric?.name;
        if (typeof name !== 'string' || name === '') {
          rejected++;
          continue;
        }
        const base = (attributes: KeyValue[] | undefined, time: string | number | undefined) => {
          const labels: Record<string, string> = Object.fromEntries(
            [...attributeMap(attributes)].map(([k, v]) => [k, String(v)]),
          );
          return {
            timeMs: Math.floor(nanosToMicros(time ?? 0) / 1000),
            cluster,
            model:
              labels['gen_ai.request.model'] ?? labels['gen_ai.response.model'] ?? labels.model ?? 'unknown',
            replica,
            engine: String(resource.get('service.name') ?? 'otel'),
            labels,
          };
        };
        for (const point of [
          ...list<NumberPoint>(metric.gauge?.dataPoints),
          ...list<NumberPoint>(metric.sum?.dataPoints),
        ]) {
          if (typeof point !== 'object' || point === null) {
            rejected++;
            continue;
          }
          const value = point.asDouble ?? (point.asInt !== undefined ? Number(point.asInt) : undefined);
          if (value === undefined || !Number.isFinite(value) || !validTime(point.timeUnixNano)) {
            rejected++;
            continue;
          }
          samples.push({ ...base(point.attributes, point.timeUnixNano), name, value });
        }
        for (const point of list<HistogramPoint>(metric.histogram?.dataPoints)) {
          const counts = list<string | number>(point?.bucketCounts).map(Number);
          const bounds = list<number>(point?.explicitBounds);
          if (
            counts.length !== bounds.length + 1 ||
            counts.some((c) => !Number.isFinite(c)) ||
            !validTime(point.timeUnixNano)
          ) {
            rejected++;
            continue;
          }
          const b = base(point.attributes, point.timeUnixNano);
          let cumulative = 0;
          counts.forEach((c, i) => {
            cumulative += c;
            samples.push({
              ...b,
              name,
              value: cumulative,
              labels: { ...b.labels, stat: 'bucket', le: i < bounds.length ? String(bounds[i]) : '+Inf' },
            });
          });
          samples.push({
            ...b,
            name,
            value: Number(point.count ?? cumulative),
            labels: { ...b.labels, stat: 'count' },
          });
          if (point.sum !== undefined)
            samples.push({ ...b, name, value: point.sum, labels: { ...b.labels, stat: 'sum' } });
        }
        if (!metric.gauge && !metric.sum && !metric.histogram) rejected++;
      }
    }
  }
  return { samples, rejected };
}
