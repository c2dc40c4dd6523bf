import type { Histogram } from '../histogram.ts';

export type Labels = Record<string, string>;

/**
 * Float formatting of Python's prometheus_client (engines.md §1.4): integers keep ".0", and a
 * positive value with more than 6 integer digits switches to Go's exponent form (6.4929219e+07).
 */
export function pythonFloat(value: number): string {
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  if (Number.isNaN(value)) return 'NaN';
  let text = Number.isInteger(value) && Math.abs(value) < 1e16 ? `${value}.0` : String(value);
  text = text.replace(/e([+-])(\d)$/, 'e$10$2'); // Python writes 1e-07 where JS writes 1e-7
  const dot = text.indexOf('.');
  if (value > 0 && dot > 6 && !text.includes('e')) {
    const digits = (text.slice(0, dot) + text.slice(dot + 1)).replace(/0+$/, '');
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : (digits[0] as string);
    return `${mantissa}e+0${dot - 1}`.replace(/e\+0(\d\d)/, 'e+$1');
  }
  return text;
}

/** C++ iostream default formatting (6 significant digits), as llama.cpp prints (engines.md §1.4). */
export function cppFloat(value: number): string {
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : value < 0 ? '-inf' : 'nan';
  if (value === 0) return '0';
  const exponent = Math.floor(Math.log10(Math.abs(value)));
  if (exponent < -5 || exponent >= 6) {
    const [mantissa, exp] = value.toExponential(5).split('e') as [string, string];
    const trimmed = mantissa.replace(/\.?0+$/, '');
    const sign = exp.startsWith('-') ? '-' : '+';
    return `${trimmed}e${sign}${exp.replace(/^[+-]/, '').padStart(2, '0')}`;
  }
  return String(Number(value.toPrecision(6)));
}

function escapeLabel(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

/** Text exposition writer. Label order: alphabetical, as prometheus_client prints (§1.3). */
export class ExpositionWriter {
  private readonly lines: string[] = [];

  constructor(
    private readonly format: (value: number) => string = pythonFloat,
    private readonly sortLabels = true,
  ) {}

  header(name: string, type: string, help: string): this {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    return this;
  }

  sample(name: string, labels: Labels, value: number): this {
    return this.sampleText(name, labels, this.format(value));
  }

  /** A sample whose value is already formatted (exporters that format per field, like DCGM). */
  sampleText(name: string, labels: Labels, value: string): this {
    const keys = this.sortLabels ? Object.keys(labels).sort() : Object.keys(labels);
    const body = keys.map((k) => `${k}="${escapeLabel(labels[k] as string)}"`).join(',');
    this.lines.push(`${name}${body ? `{${body}}` : ''} ${value}`);
    return this;
  }

  gauge(name: string, help: string, series: readonly [Labels, number][]): this {
    this.header(name, 'gauge', help);
    for (const [labels, value] of series) this.sample(name, labels, value);
    return this;
  }

  /**
   * A counter as prometheus_client exposes it: `<name>_total`, then (single-process mode) a
   * separate `<name>_created` gauge with the process start time.
   */
  counter(base: string, help: string, series: readonly [Labels, number][], createdSeconds?: number): this {
    this.header(`${base}_total`, 'counter', help);
    for (const [labels, value] of series) this.sample(`${base}_total`, labels, value);
    if (createdSeconds !== undefined) {
      this.header(`${base}_created`, 'gauge', help);
      for (const [labels] of series) this.sample(`${base}_created`, labels, createdSeconds);
    }
    return this;
  }

  histogram(
    name: string,
    help: string,
    series: readonly [Labels, Histogram][],
    createdSeconds?: number,
  ): this {
    this.header(name, 'histogram', help);
    for (const [labels, histogram] of series) {
      const cumulative = histogram.cumulative();
      histogram.bounds.forEach((bound, i) =>
        this.sample(`${name}_bucket`, { ...labels, le: this.format(bound) }, cumulative[i] as number),
      );
      this.sample(`${name}_bucket`, { ...labels, le: '+Inf' }, histogram.count);
      this.sample(`${name}_count`, labels, histogram.count);
      this.sample(`${name}_sum`, labels, histogram.sum);
    }
    if (createdSeconds !== undefined) {
      this.header(`${name}_created`, 'gauge', help);
      for (const [labels] of series) this.sample(`${name}_created`, labels, createdSeconds);
    }
    return this;
  }

  text(): string {
    return `${this.lines.join('\n')}\n`;
  }
}
