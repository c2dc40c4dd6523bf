/**
 * Parser for the Prometheus text exposition format (0.0.4) and the parts of OpenMetrics that
 * engines emit (`# UNIT`, `# EOF`, `_created`, exemplars, float-second timestamps).
 *
 * Hand-written because no maintained JavaScript parser exists (the npm one was last published
 * in 2019 and rejects colons-in-names edge cases we must accept, engines.md §1). It parses line
 * by line in one pass: a bad line is reported and skipped, never fatal, and nothing backtracks,
 * so input cannot make it hang. Fuzzed in exposition.fuzz.test.ts.
 */

export type FamilyType =
  | 'counter'
  | 'gauge'
  | 'histogram'
  | 'summary'
  | 'untyped'
  | 'unknown'
  | 'gaugehistogram'
  | 'info'
  | 'stateset';

export interface Sample {
  /** The sample's own name (with _bucket, _sum, _count, _total … suffixes). */
  name: string;
  labels: Record<string, string>;
  value: number;
  /** As written: ms in the Prometheus text format, seconds in OpenMetrics. */
  timestamp?: number;
}

export interface MetricFamily {
  name: string;
  type: FamilyType;
  help?: string;
  unit?: string;
  samples: Sample[];
}

export interface ParseError {
  line: number;
  message: string;
}

export interface Exposition {
  families: MetricFamily[];
  errors: ParseError[];
}

const FAMILY_TYPES = new Set<string>([
  'counter',
  'gauge',
  'histogram',
  'summary',
  'untyped',
  'unknown',
  'gaugehistogram',
  'info',
  'stateset',
]);

/** Suffixes a sample may add to its family's name, by family type. */
const SUFFIXES: Record<FamilyType, readonly string[]> = {
  counter: ['_total', '_created'],
  gauge: [],
  histogram: ['_bucket', '_sum', '_count', '_created'],
  gaugehistogram: ['_bucket', '_gsum', '_gcount'],
  summary: ['_sum', '_count', '_created'],
  info: ['_info'],
  stateset: [],
  untyped: [],
  unknown: [],
};

const NAME_START = /[a-zA-Z_:]/;
const NAME_CHAR = /[a-zA-Z0-9_:]/;
const LABEL_START = /[a-zA-Z_]/;
const LABEL_CHAR = /[a-zA-Z0-9_]/;

export function parseNumber(text: string): number | null {
  switch (text) {
    case 'NaN':
      return Number.NaN;
    case '+Inf':
    case 'Inf':
    case '+inf':
    case 'inf':
      return Number.POSITIVE_INFINITY;
    case '-Inf':
    case '-inf':
      return Number.NEGATIVE_INFINITY;
  }
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return null;
  return Number(text);
}

class LineReader {
  pos = 0;
  constructor(readonly text: string) {}

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): string {
    return this.text[this.pos] ?? '';
  }

  skipSpaces(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++;
  }

  readName(start: RegExp, rest: RegExp): string {
    const from = this.pos;
    if (!start.test(this.peek())) return '';
    this.pos++;
    while (!this.done && rest.test(this.peek())) this.pos++;
    return this.text.slice(from, this.pos);
  }

  /** A double-quoted string with \\, \" and \n escapes; throws on a missing closing quote. */
  readQuoted(): string {
    if (this.peek() !== '"') throw new Error('expected "');
    this.pos++;
    let out = '';
    while (!this.done) {
      const ch = this.text[this.pos++] as string;
      if (ch === '"') return out;
      if (ch === '\\') {
        const next = this.text[this.pos++];
        if (next === 'n') out += '\n';
        else if (next === '\\' || next === '"') out += next;
        else if (next === undefined) break;
        else out += `\\${next}`; // unknown escapes are kept as written, as Prometheus does
      } else {
        out += ch;
      }
    }
    throw new Error('unterminated quoted string');
  }

  readToken(): string {
    const from = this.pos;
    while (!this.done && this.peek() !== ' ' && this.peek() !== '\t') this.pos++;
    return this.text.slice(from, this.pos);
  }
}

function unescapeHelp(text: string): string {
  return text.replace(/\\(\\|n)/g, (_m, c: string) => (c === 'n' ? '\n' : '\\'));
}

/** Parses `name{labels} value [timestamp] [# exemplar]`. */
function parseSampleLine(line: string): Sample {
  const reader = new LineReader(line);
  const labels: Record<string, string> = {};
  let name = reader.readName(NAME_START, NAME_CHAR);
  reader.skipSpaces();
  if (reader.peek() === '{') {
    reader.pos++;
    for (;;) {
      reader.skipSpaces();
      if (reader.peek() === '}') {
        reader.pos++;
        break;
      }
      let labelName: string;
      if (reader.peek() === '"') {
        // UTF-8 names (Prometheus 3): a bare quoted string inside the braces is the metric name.
        const quoted = reader.readQuoted();
        reader.skipSpaces();
        if (reader.peek() !== '=') {
          if (name) throw new Error('metric name given twice');
          name = quoted;
          reader.skipSpaces();
          if (reader.peek() === ',') reader.pos++;
          continue;
        }
        labelName = quoted;
      } else {
        labelName = reader.readName(LABEL_START, LABEL_CHAR);
        if (!labelName) throw new Error(`invalid label name at column ${reader.pos + 1}`);
      }
      reader.skipSpaces();
      if (reader.peek() !== '=') throw new Error(`expected = after label ${labelName}`);
      reader.pos++;
      reader.skipSpaces();
      if (labelName in labels) throw new Error(`duplicate label ${labelName}`);
      labels[labelName] = reader.readQuoted();
      reader.skipSpaces();
      if (reader.peek() === ',') reader.pos++;
      else if (reader.peek() !== '}') throw new Error(`expected , or } after label ${labelName}`);
    }
  }
  if (!name) throw new Error('missing metric name');
  reader.skipSpaces();
  const valueText = reader.readToken();
  const value = parseNumber(valueText);
  if (value === null) throw new Error(`invalid value "${valueText.slice(0, 40)}"`);
  reader.skipSpaces();
  const sample: Sample = { name, labels, value };
  if (!reader.done && reader.peek() !== '#') {
    const timestampText = reader.readToken();
    const timestamp = parseNumber(timestampText);
    if (timestamp === null || !Number.isFinite(timestamp)) {
      throw new Error(`invalid timestamp "${timestampText.slice(0, 40)}"`);
    }
    sample.timestamp = timestamp;
    reader.skipSpaces();
  }
  if (!reader.done && reader.peek() !== '#') throw new Error('unexpected text after value');
  return sample;
}

/** The family a sample belongs to: the declared one whose name plus a valid suffix is the sample's. */
function familyNameFor(sampleName: string, declared: Map<string, MetricFamily>): MetricFamily | undefined {
  const exact = declared.get(sampleName);
  if (exact) return exact;
  const underscore = sampleName.lastIndexOf('_');
  if (underscore <= 0) return undefined;
  const base = sampleName.slice(0, underscore);
  const suffix = sampleName.slice(underscore);
  const family = declared.get(base);
  return family && SUFFIXES[family.type].includes(suffix) ? family : undefined;
}

export function parseExposition(text: string): Exposition {
  const families = new Map<string, MetricFamily>();
  const errors: ParseError[] = [];
  const declare = (name: string): MetricFamily => {
    let family = families.get(name);
    if (!family) {
      family = { name, type: 'untyped', samples: [] };
      families.set(name, family);
    }
    return family;
  };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).replace(/\r$/, '').trim();
    if (line === '') continue;
    try {
      if (line.startsWith('#')) {
        const match = /^#\s*(HELP|TYPE|UNIT)\s+(\S+)\s*(.*)$/.exec(line);
        if (!match) continue; // a plain comment, or # EOF
        const [, keyword, rawName, rest] = match as unknown as [string, string, string, string];
        const name = rawName.startsWith('"') ? new LineReader(rawName).readQuoted() : rawName;
        if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name) && !rawName.startsWith('"')) {
          throw new Error(`invalid metric name "${name.slice(0, 60)}" in ${keyword}`);
        }
        const family = declare(name);
        if (keyword === 'HELP') family.help = unescapeHelp(rest);
        else if (keyword === 'UNIT') family.unit = rest;
        else {
          const type = rest.toLowerCase();
          if (!FAMILY_TYPES.has(type)) throw new Error(`unknown metric type "${rest.slice(0, 40)}"`);
          if (family.samples.length > 0 && family.type !== type)
            throw new Error(`TYPE for ${name} after its samples`);
          family.type = type as FamilyType;
        }
        continue;
      }
      const sample = parseSampleLine(line);
      (familyNameFor(sample.name, families) ?? declare(sample.name)).samples.push(sample);
    } catch (err) {
      errors.push({ line: i + 1, message: (err as Error).message });
    }
  }
  return { families: [...families.values()], errors };
}
