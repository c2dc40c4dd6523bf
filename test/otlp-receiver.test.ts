import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import protobuf from 'protobufjs';
import { IngestBuffer } from '../src/collect/ingest-buffer.ts';
import { OtlpHttpReceiver } from '../src/collect/otlp/receiver.ts';
import { DuckDbStore } from '../src/store/duckdb/duckdb-store.ts';
import { withDerivedPhases } from '../src/normalize/decompose.ts';
import { createLogger } from '../src/util/log.ts';
import { ENGINE_FIXTURES } from './support/fixtures.ts';

const require = createRequire(import.meta.url);
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root.js');
const TraceRequest = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
const TraceResponse = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
const Status = new protobuf.Type('Status')
  .add(new protobuf.Field('code', 1, 'int32'))
  .add(new protobuf.Field('message', 2, 'string'));

const VLLM = readFileSync(`${ENGINE_FIXTURES}/vllm/vllm-llm_request-trace-otlp-synthetic.json`, 'utf8');

/** The JSON fixture as OTLP protobuf bytes (hex ids → bytes, as the JSON mapping defines). */
function toProtobuf(json: string): Buffer {
  const value = JSON.parse(json);
  for (const rs of value.resourceSpans) {
    for (const ss of rs.scopeSpans) {
      for (const span of ss.spans) {
        for (const key of ['traceId', 'spanId', 'parentSpanId'])
          if (span[key]) span[key] = Buffer.from(span[key], 'hex');
      }
    }
  }
  return Buffer.from(TraceRequest.encode(TraceRequest.fromObject(value)).finish());
}

describe('OTLP/HTTP receiver', () => {
  let store: DuckDbStore;
  let buffer: IngestBuffer;
  let receiver: OtlpHttpReceiver;
  const post = (path: string, body: Buffer | string, headers: Record<string, string>) =>
    fetch(`${receiver.url}${path}`, { method: 'POST', headers, body });

  before(async () => {
    store = await DuckDbStore.open({ path: ':memory:' });
    buffer = new IngestBuffer(store, createLogger('silent'), { maxPendingRequests: 10 });
    receiver = new OtlpHttpReceiver({
      port: 0,
      context: { cluster: 'us-east-1', model: 'Qwen/Qwen3-8B' },
      buffer,
      log: createLogger('silent'),
      maxBodyBytes: 200_000,
      maxDecompressedBytes: 1_000_000,
    });
    await receiver.listen();
  });

  after(async () => {
    await receiver.close();
    await store.close();
  });

  it('accepts protobuf, decomposes vLLM spans and stores them exactly', async () => {
    const response = await post('/v1/traces', toProtobuf(VLLM), { 'content-type': 'application/x-protobuf' });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/x-protobuf');
    assert.deepEqual(
      TraceResponse.toObject(TraceResponse.decode(new Uint8Array(await response.arrayBuffer()))),
      {},
    );
    await buffer.flush();
    const found = await store.getRequest('chatcmpl-7f1c2a9d4b8e4f6a9c3d2e1f0a9b8c7d');
    assert.ok(found);
    assert.equal(found.request.queueUs, 120_045);
    assert.equal(found.request.traceId, '5b8efff798038103d269b633813fc60c');
    assert.deepEqual(found.spans, [], 'phases derivable from the request are not stored');
    assert.deepEqual(
      withDerivedPhases(found.request, found.spans).map((s) => s.kind),
      ['network', 'queue', 'prefill', 'decode', 'stream'],
    );
  });

  it('accepts gzip-compressed JSON', async () => {
    const body = gzipSync(
      VLLM.replaceAll('chatcmpl-7f1c', 'chatcmpl-9e2d').replaceAll('cmpl-3e9a', 'cmpl-4f0b'),
    );
    const response = await post('/v1/traces', body, {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), {});
    await buffer.flush();
    assert.ok(await store.getRequest('chatcmpl-9e2d2a9d4b8e4f6a9c3d2e1f0a9b8c7d'));
  });

  it('answers partial success for spans it cannot use, keeping the rest', async () => {
    const value = JSON.parse(
      VLLM.replaceAll('chatcmpl-7f1c', 'chatcmpl-aaaa').replaceAll('cmpl-3e9a', 'cmpl-bbbb'),
    );
    value.resourceSpans[0].scopeSpans[0].spans[1].traceId = 'not-hex';
    const response = await post('/v1/traces', JSON.stringify(value), { 'content-type': 'application/json' });
    assert.equal(response.status, 200);
    const body = (await response.json()) as {
      partialSuccess: { rejectedSpans: number; errorMessage: string };
    };
    assert.equal(body.partialSuccess.rejectedSpans, 1);
    assert.match(body.partialSuccess.errorMessage, /trace id must be 32 .* hex digits/);
    assert.ok(receiver.rejections.total >= 1);
  });

  it('rejects alone, with a reason, spans carrying values the store cannot take or attributes it cannot read', async () => {
    const poisons: [string, (span: { attributes: unknown[] }) => void][] = [
      ['attributes [null]', (span) => (span.attributes = [null])],
      [
        'prompt tokens "abc"',
        (span) => span.attributes.push({ key: 'gen_ai.usage.prompt_tokens', value: { stringValue: 'abc' } }),
      ],
      [
        'prompt tokens 3e9',
        (span) =>
          span.attributes.push({ key: 'gen_ai.usage.prompt_tokens', value: { intValue: '3000000000' } }),
      ],
      [
        'a numeric model',
        (span) => span.attributes.push({ key: 'gen_ai.response.model', value: { intValue: 42 } }),
      ],
    ];
    for (const [what, poison] of poisons) {
      const value = JSON.parse(
        VLLM.replaceAll('chatcmpl-7f1c', `chatcmpl-p${what.length}`).replaceAll(
          'cmpl-3e9a',
          `cmpl-q${what.length}`,
        ),
      );
      const spans = value.resourceSpans[0].scopeSpans[0].spans;
      // Later attributes win in the decoder: the poison replaces the span's own value.
      poison(spans[0]);
      const response = await post('/v1/traces', JSON.stringify(value), {
        'content-type': 'application/json',
      });
      assert.equal(response.status, 200, what);
      const body = (await response.json()) as {
        partialSuccess?: { rejectedSpans: number; errorMessage: string };
      };
      assert.equal(body.partialSuccess?.rejectedSpans, 1, `${what}: ${JSON.stringify(body)}`);
      assert.ok((body.partialSuccess?.errorMessage ?? '').length > 0, what);
    }
    await buffer.flush();
    assert.equal(buffer.quarantined, 0, 'nothing bad reached the buffer');
    assert.equal(buffer.writeFailures, 0);
  });

  it('stores a resent batch once (an exporter that timed out on our answer sends it again)', async () => {
    const body = VLLM.replaceAll('chatcmpl-7f1c', 'chatcmpl-dupe').replaceAll('cmpl-3e9a', 'cmpl-dup2');
    const before = receiver.ingest.duplicateRequests;
    for (let i = 0; i < 3; i++)
      assert.equal((await post('/v1/traces', body, { 'content-type': 'application/json' })).status, 200);
    await buffer.flush();
    const range = { fromUs: 0, toUs: Date.now() * 1000 };
    assert.equal((await store.searchRequests({ range, idPrefix: 'chatcmpl-dupe', limit: 10 })).length, 1);
    assert.equal((await store.searchRequests({ range, idPrefix: 'cmpl-dup2', limit: 10 })).length, 1);
    assert.equal(receiver.ingest.duplicateRequests - before, 4);
  });

  it('rejects malformed protobuf with 400 and a protobuf Status naming the problem', async () => {
    const response = await post('/v1/traces', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), {
      'content-type': 'application/x-protobuf',
    });
    assert.equal(response.status, 400);
    const status = Status.toObject(Status.decode(new Uint8Array(await response.arrayBuffer()))) as {
      code: number;
      message: string;
    };
    assert.equal(status.code, 3);
    assert.match(status.message, /not a valid OTLP protobuf message/);
  });

  it('rejects malformed JSON with 400 and a JSON Status', async () => {
    const response = await post('/v1/traces', '{"resourceSpans": [', { 'content-type': 'application/json' });
    assert.equal(response.status, 400);
    const body = (await response.json()) as { code: number; message: string };
    assert.equal(body.code, 3);
    assert.match(body.message, /not valid JSON/);
  });

  it('refuses bodies over the limit (413), compression bombs (413) and other content types (415)', async () => {
    const big = await post('/v1/traces', Buffer.alloc(300_000, 32), { 'content-type': 'application/json' });
    assert.equal(big.status, 413);
    const bomb = await post('/v1/traces', gzipSync(Buffer.alloc(5_000_000, 32)), {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    assert.equal(bomb.status, 413);
    assert.match(((await bomb.json()) as { message: string }).message, /decompressed body exceeds/);
    const xml = await post('/v1/traces', '<a/>', { 'content-type': 'text/xml' });
    assert.equal(xml.status, 415);
  });

  it('pushes back with 429 and Retry-After when the ingest buffer is full, taking none of the batch', async () => {
    const before = buffer.pendingRequests;
    const many = JSON.parse(VLLM);
    const template = many.resourceSpans[0].scopeSpans[0].spans[0];
    many.resourceSpans[0].scopeSpans[0].spans = Array.from({ length: 20 }, (_, i) => ({
      ...template,
      spanId: (0x1000 + i).toString(16).padStart(16, '0'),
      attributes: template.attributes.map((a: { key: string; value: unknown }) =>
        a.key === 'gen_ai.request.id' ? { key: a.key, value: { stringValue: `chatcmpl-bulk-${i}` } } : a,
      ),
    }));
    const response = await post('/v1/traces', JSON.stringify(many), { 'content-type': 'application/json' });
    assert.equal(response.status, 429);
    assert.equal(response.headers.get('retry-after'), '1');
    assert.equal(((await response.json()) as { code: number }).code, 8);
    assert.equal(buffer.pendingRequests, before);
  });

  it('stores OTLP metrics: gauges, sums and explicit-bucket histograms', async () => {
    const metrics = {
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'dynamo-frontend' } }] },
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'llm.requests.waiting',
                  gauge: {
                    dataPoints: [
                      {
                        timeUnixNano: '1767225600000000000',
                        asInt: '7',
                        attributes: [{ key: 'model', value: { stringValue: 'm' } }],
                      },
                    ],
                  },
                },
                {
                  name: 'gen_ai.server.time_to_first_token',
                  histogram: {
                    dataPoints: [
                      {
                        timeUnixNano: '1767225600000000000',
                        count: '3',
                        sum: 1.5,
                        bucketCounts: ['1', '2', '0'],
                        explicitBounds: [0.1, 1],
                      },
                    ],
                  },
                },
                { name: 'weird', summary: { dataPoints: [] } },
              ],
            },
          ],
        },
      ],
    };
    const response = await post('/v1/metrics', JSON.stringify(metrics), {
      'content-type': 'application/json',
    });
    assert.equal(response.status, 200);
    assert.equal(
      ((await response.json()) as { partialSuccess: { rejectedDataPoints: number } }).partialSuccess
        .rejectedDataPoints,
      1,
    );
    await buffer.flush();
    const range = { fromUs: 1_767_225_500_000_000, toUs: 1_767_225_700_000_000 };
    const waiting = await store.queryMetric({
      name: 'llm.requests.waiting',
      range,
      stepUs: 60_000_000,
      aggregate: 'last',
    });
    assert.equal(waiting[0]?.value, 7);
    const buckets = await store.queryMetric({
      name: 'gen_ai.server.time_to_first_token',
      range,
      stepUs: 60_000_000,
      aggregate: 'max',
      labels: { stat: 'bucket', le: '+Inf' },
    });
    assert.equal(buckets[0]?.value, 3);
  });

  it('says 404 for other paths', async () => {
    const response = await post('/v1/logs', '{}', { 'content-type': 'application/json' });
    assert.equal(response.status, 404);
  });
});
