import { Counter, type Registry } from 'prom-client';

/** Distinct values each exported label may take before new ones fold into `other`. */
export const LABEL_VALUE_LIMITS: Readonly<Record<string, number>> = {
  cluster: 64,
  model: 256,
  replica: 4096,
  engine: 32,
};
const DEFAULT_LIMIT = 256;
/** Longer values are no name anyone chose: they fold too. */
const MAX_VALUE_CHARS = 128;
export const OVERFLOW_VALUE = 'other';

/**
 * Keeps /metrics bounded whatever the input: model names, replicas and clusters come from traces
 * and requests anyone who reaches a port can send. The first values of each label are exported as
 * they are; past the label's limit (or past 128 characters) a value is exported as `other` and
 * counted in `kubeburner_metrics_label_overflow_total{label}`.
 */
export class BoundedLabels {
  private readonly seen = new Map<string, Set<string>>();
  private readonly overflow: Counter<'label'>;

  constructor(registry: Registry) {
    this.overflow = new Counter({
      name: 'kubeburner_metrics_label_overflow_total',
      help: 'label values exported as "other" because the label had too many distinct values or the value was too long',
      labelNames: ['label'],
      registers: [registry],
    });
  }

  value(label: string, raw: string): string {
    let values = this.seen.get(label);
    if (!values) {
      values = new Set();
      this.seen.set(label, values);
    }
    if (values.has(raw)) return raw;
    if (raw.length <= MAX_VALUE_CHARS && values.size < (LABEL_VALUE_LIMITS[label] ?? DEFAULT_LIMIT)) {
      values.add(raw);
      return raw;
    }
    this.overflow.inc({ label });
    return OVERFLOW_VALUE;
  }
}
