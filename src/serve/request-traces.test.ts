import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { decomposeResourceSpans } from '../normalize/decompose.ts';
import type { OtlpResourceSpansData } from '../normalize/otlp-types.ts';
import { requestToOtlp } from './request-traces.ts';
import { ENGINE_FIXTURES } from '../../test/support/fixtures.ts';

describe('decomposed requests as OTLP traces', () => {
  it('exports the request as a SERVER span and each phase as a child with its kind', () => {
    const input = JSON.parse(
      readFileSync(`${ENGINE_FIXTURES}/vllm/vllm-llm_request-trace-otlp-synthetic.json`, 'utf8'),
    ) as { resourceSpans: OtlpResourceSpansData[] };
    const [first] = decomposeResourceSpans(input.resourceSpans, {
      cluster: 'c',
      model: 'Qwen/Qwen3-8B',
    }).decomposed;
    assert.ok(first);
    const out = requestToOtlp(first.request, first.spans);
    assert.ok(out);
    const [root, ...phases] = out.scopeSpans[0]!.spans;
    assert.equal(root?.spanId, 'eee19b7ec3c1b174', 'the engine span keeps its id, so the trace joins');
    assert.equal(root?.traceId, '5b8efff798038103d269b633813fc60c');
    assert.equal(root?.kind, 2);
    assert.equal(BigInt(root!.endTimeUnixNano) - BigInt(root!.startTimeUnixNano), 3_456_789_000n);
    assert.deepEqual(
      phases.map((p) => [
        p.name,
        p.parentSpanId,
        p.attributes.find((a) => a.key === 'kubeburner.span.kind')?.value,
      ]),
      [
        ['engine frontend: tokenize and hand off', 'eee19b7ec3c1b174', { stringValue: 'network' }],
        ['scheduler queue', 'eee19b7ec3c1b174', { stringValue: 'queue' }],
        ['prefill', 'eee19b7ec3c1b174', { stringValue: 'prefill' }],
        ['decode', 'eee19b7ec3c1b174', { stringValue: 'decode' }],
        ['detokenize and send', 'eee19b7ec3c1b174', { stringValue: 'stream' }],
      ],
    );
    const queue = phases[1]!;
    assert.equal(BigInt(queue.endTimeUnixNano) - BigInt(queue.startTimeUnixNano), 120_045_000n);
  });

  it('exports nothing for a request without a valid trace id', () => {
    const [first] = decomposeResourceSpans(
      (
        JSON.parse(
          readFileSync(`${ENGINE_FIXTURES}/vllm/vllm-llm_request-trace-otlp-synthetic.json`, 'utf8'),
        ) as { resourceSpans: OtlpResourceSpansData[] }
      ).resourceSpans,
      { cluster: 'c' },
    ).decomposed;
    assert.equal(requestToOtlp({ ...first!.request, traceId: null }, first!.spans), null);
  });
});
