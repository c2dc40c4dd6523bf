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
  for (const rm of resourceMetrics as {
    resource?: { attributes?: KeyValue[] };
    scopeMetrics?: { metrics?: OtlpMetric[] }[];
  }[]) {
    const resource = attributeMap(rm.resource?.attributes);
    const replica = String(
      resource.get('k8s.pod.name') ??
        resource.get('service.instance.id') ??
        resource.get('service.name') ??
        'unknown',
    );
    for (const scope of rm.scopeMetrics ?? []) {
      for (const metric of scope.metrics ?? []) {
        const name = metric.name;
        if (!name) {
          rejected++;
          continue;
        }
        const base = (attributes: KeyValue[] | undefined, time: string | number | undefined) => {
          const labels = Object.fromEntries([...attributeMap(attributes)].map(([k, v]) => [k, String(v)]));
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
        for (const point of [...(metric.gauge?.dataPoints ?? []), ...(metric.sum?.dataPoints ?? [])]) {
          const value = point.asDouble ?? (point.asInt !== undefined ? Number(point.asInt) : undefined);
          if (value === undefined || !Number.isFinite(value)) {
            rejected++;
            continue;
          }
          samples.push({ ...base(point.attributes, point.timeUnixNano), name, value });
        }
        for (const point of metric.histogram?.dataPoints ?? []) {
          const b = base(point.attributes, point.timeUnixNano);
          const counts = (point.bucketCounts ?? []).map(Number);
          const bounds = point.explicitBounds ?? [];
          if (counts.length !== bounds.length + 1) {
            rejected++;
            continue;
          }
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
