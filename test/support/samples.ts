import assert from 'node:assert/strict';
import type { MetricSample } from '../../src/model/metric-sample.ts';
import type { Store } from '../../src/store/store.ts';

/** The one value of a canonical series with exactly these labels (fails on zero or several). */
export function sampleValue(
  samples: readonly MetricSample[],
  name: string,
  labels: Record<string, string> = {},
): number {
  const matches = samples.filter(
    (s) =>
      s.name === name &&
      Object.keys(labels).length === Object.keys(s.labels).length &&
      Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  assert.equal(matches.length, 1, `${name} ${JSON.stringify(labels)}: ${matches.length} samples`);
  return (matches[0] as MetricSample).value;
}

/** A vLLM replica's canonical sample (cluster c, model m), for tests that write or feed series. */
export function replicaSample(replica: string, name: string, value: number, timeMs: number): MetricSample {
  return { timeMs, name, value, cluster: 'c', model: 'm', replica, engine: 'vllm', labels: {} };
}

/** Which values of one dimension a stored series has, sorted (e.g. every replica scraped so far). */
export async function storedSeriesBy(
  store: Store,
  name: string,
  by: 'cluster' | 'model' | 'replica' | 'engine',
): Promise<string[]> {
  const points = await store.queryMetric({
    name,
    range: { fromUs: 0, toUs: Date.now() * 1000 + 60e6 },
    groupBy: [by],
    stepUs: 3600e6,
    aggregate: 'last',
  });
  return [...new Set(points.map((p) => p.group[by] ?? ''))].sort();
}
