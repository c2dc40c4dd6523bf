import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ENGINE_FIXTURES } from './fixtures.ts';

interface SpanJson {
  traceId: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: { key: string; value: { stringValue?: string } }[];
}

const FIXTURE = readFileSync(`${ENGINE_FIXTURES}/vllm/vllm-llm_request-trace-otlp-synthetic.json`, 'utf8');
/** The fixture's first span starts here; exports are moved to a minute ago. */
const FIXTURE_START_NS = 1_767_225_600_000_000_000n;
const SHIFT_NS = BigInt(Date.now() - 60_000) * 1_000_000n - FIXTURE_START_NS;

/** Now, in the OTLP JSON form (nanoseconds as a string), `offsetMs` later. */
export function nanosFromNow(offsetMs = 0): string {
  return String(FIXTURE_START_NS + SHIFT_NS + BigInt(offsetMs) * 1_000_000n);
}

/**
 * The vLLM trace fixture's two requests as one OTLP/HTTP JSON export under fresh request ids
 * (`${prefix}-${n}-0`, `-1`), fresh trace ids and today's time — the fixture's own date is past
 * the store's retention. For load, kill and outage tests that count what was stored.
 */
export function vllmExport(prefix: string, n: number): { body: string; ids: string[] } {
  const value = JSON.parse(FIXTURE) as { resourceSpans: { scopeSpans: { spans: SpanJson[] }[] }[] };
  const ids: string[] = [];
  value.resourceSpans[0]!.scopeSpans[0]!.spans.forEach((span, i) => {
    const id = `${prefix}-${n}-${i}`;
    span.traceId = createHash('sha256').update(id).digest('hex').slice(0, 32);
    span.startTimeUnixNano = String(BigInt(span.startTimeUnixNano) + SHIFT_NS);
    span.endTimeUnixNano = String(BigInt(span.endTimeUnixNano) + SHIFT_NS);
    for (const a of span.attributes) if (a.key === 'gen_ai.request.id') a.value = { stringValue: id };
    ids.push(id);
  });
  return { body: JSON.stringify(value), ids };
}
