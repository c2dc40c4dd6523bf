import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { callerFromSpan } from './caller-span.ts';
import { decomposeResourceSpans } from './decompose.ts';
import type { KeyValue, OtlpSpanData } from './otlp-types.ts';

const kv = (key: string, value: string | number): KeyValue => ({
  key,
  value: typeof value === 'string' ? { stringValue: value } : { intValue: String(value) },
});

const clientSpan = (fields: Partial<OtlpSpanData> = {}, attributes: KeyValue[] = []): OtlpSpanData => ({
  traceId: '5b8efff798038103d269b633813fc60c',
  spanId: 'c0ffee0000000001',
  name: 'chat Qwen/Qwen3-8B',
  kind: 3,
  startTimeUnixNano: '1767225600000000000',
  endTimeUnixNano: '1767225601250000000',
  attributes: [
    kv('gen_ai.operation.name', 'chat'),
    kv('gen_ai.request.model', 'Qwen/Qwen3-8B'),
    kv('gen_ai.usage.input_tokens', 812),
    kv('gen_ai.usage.output_tokens', 64),
    ...attributes,
  ],
  ...fields,
});

const resource = new Map<string, string | number | boolean>([['service.name', 'support-chat']]);

describe('caller spans (OpenTelemetry GenAI client spans)', () => {
  it('reads the calling app as the tenant, with its usage and round trip', () => {
    const caller = callerFromSpan(clientSpan(), resource);
    assert.deepEqual(caller, {
      traceId: '5b8efff798038103d269b633813fc60c',
      spanId: 'c0ffee0000000001',
      tenant: 'support-chat',
      team: 'unknown',
      service: 'support-chat',
      operation: 'chat',
      startUs: 1767225600000000,
      endUs: 1767225601250000,
      inputTokens: 812,
      outputTokens: 64,
    });
  });

  it('takes kubeburner.tenant over the service name, from the span or its resource', () => {
    const onSpan = callerFromSpan(clientSpan({}, [kv('kubeburner.tenant', 'acme')]), resource);
    assert.equal(onSpan?.tenant, 'acme');
    const onResource = callerFromSpan(clientSpan(), new Map([...resource, ['kubeburner.tenant', 'globex']]));
    assert.equal(onResource?.tenant, 'globex');
  });

  it('is not a caller: a server span, a tool call, a span without a GenAI operation', () => {
    assert.equal(callerFromSpan(clientSpan({ kind: 2 }), resource), null);
    assert.equal(
      callerFromSpan(clientSpan({ attributes: [kv('gen_ai.operation.name', 'execute_tool')] }), resource),
      null,
    );
    assert.equal(
      callerFromSpan(clientSpan({ attributes: [kv('http.request.method', 'POST')] }), resource),
      null,
    );
  });

  it('comes out of a batch beside the engine requests, not mistaken for an SGLang slice', () => {
    const { decomposed, callers, invalid } = decomposeResourceSpans(
      [
        {
          resource: { attributes: [kv('service.name', 'support-chat')] },
          scopeSpans: [{ spans: [clientSpan()] }],
        },
      ],
      { cluster: 'c' },
    );
    assert.deepEqual(
      callers.map((c) => c.tenant),
      ['support-chat'],
    );
    assert.equal(decomposed.length, 0);
    assert.deepEqual(invalid, []);
  });
});
