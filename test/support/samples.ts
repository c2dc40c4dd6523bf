import assert from 'node:assert/strict';
import type { MetricSample } from '../../src/model/metric-sample.ts';

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
