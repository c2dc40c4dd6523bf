/** One normalized metric sample: a canonical metric name, its value and its labels. */
export interface MetricSample {
  /** Epoch milliseconds (Prometheus convention). */
  timeMs: number;
  /** A canonical metric name from metric-names.ts. */
  name: string;
  value: number;
  cluster: string;
  model: string;
  replica: string;
  engine: string;
  /** Remaining labels (histogram `le`, `reason`, GPU `uuid` …). */
  labels: Record<string, string>;
}
