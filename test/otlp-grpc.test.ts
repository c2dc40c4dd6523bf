import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { IngestBuffer } from '../src/collect/ingest-buffer.ts';
import { OtlpGrpcReceiver } from '../src/collect/otlp/grpc-receiver.ts';
import { OtlpIngest } from '../src/collect/otlp/ingest.ts';
import { DuckDbStore } from '../src/store/duckdb/duckdb-store.ts';
import { createLogger } from '../src/util/log.ts';
import { ENGINE_FIXTURES } from './support/fixtures.ts';

const require = createRequire(import.meta.url);
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root.js');
const TraceRequest = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
const TraceResponse = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;

function fixtureAsProtobuf(rename = ''): Buffer {
  const value = JSON.parse(
    // Both requests renamed: the receiver stores a request id it has just taken only once.
    readFileSync(`${ENGINE_FIXTURES}/vllm/vllm-llm_request-trace-otlp-synthetic.json`, 'utf8')
      .replaceAll('chatcmpl-7f1c', `chatcmpl-${rename || '7f1c'}`)
      .replaceAll('cmpl-3e9a', `cmpl-${rename || '3e9a'}`),
  );
  for (const rs of value.resourceSpans)
    for (const ss of rs.scopeSpans)
      for (const span of ss.spans) {
        for (const key of ['traceId', 'spanId', 'parentSpanId'])
          if (span[key]) span[key] = Buffer.from(span[key], 'hex');
      }
  return Buffer.from(TraceRequest.encode(TraceRequest.fromObject(value)).finish());
}

describe('OTLP/gRPC receiver', () => {
  let store: DuckDbStore;
  let buffer: IngestBuffer;
  let receiver: OtlpGrpcReceiver;
  let client: grpc.Client;
  const exportTraces = (body: Buffer) =>
    new Promise<{ err: grpc.ServiceError | null; response?: Buffer }>((resolve) =>
      client.makeUnaryRequest(
        '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
        (b: Buffer) => b,
        (b: Buffer) => b,
        body,
        (err, response) => resolve({ err, response }),
      ),
    );

  before(async () => {
    store = await DuckDbStore.open({ path: ':memory:' });
    buffer = new IngestBuffer(store, createLogger('silent'), { maxPendingRequests: 3 });
    const ingest = new OtlpIngest({
      context: { cluster: 'c', model: 'Qwen/Qwen3-8B' },
      buffer,
      log: createLogger('silent'),
    });
    receiver = new OtlpGrpcReceiver({ port: 0, ingest, log: createLogger('silent') });
    await receiver.listen();
    client = new grpc.Client(receiver.address, grpc.credentials.createInsecure());
  });

  after(async () => {
    client.close();
    await receiver.close();
    await store.close();
  });

  it('accepts an ExportTraceServiceRequest and stores the decomposed requests', async () => {
    const { err, response } = await exportTraces(fixtureAsProtobuf());
    assert.equal(err, null);
    assert.deepEqual(TraceResponse.toObject(TraceResponse.decode(response)), {});
    await buffer.flush();
    const found = await store.getRequest('chatcmpl-7f1c2a9d4b8e4f6a9c3d2e1f0a9b8c7d');
    assert.equal(found?.request.prefillUs, 58_211);
  });

  it('answers INVALID_ARGUMENT to a malformed message', async () => {
    const { err } = await exportTraces(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]));
    assert.equal(err?.code, grpc.status.INVALID_ARGUMENT);
    assert.match(err?.details ?? '', /not a valid OTLP protobuf message/);
  });

  it('answers RESOURCE_EXHAUSTED when the buffer is full, so the client retries', async () => {
    await exportTraces(fixtureAsProtobuf('aaaa')); // 2 more pending: buffer at its limit of 3 after the flush above
    const { err } = await exportTraces(fixtureAsProtobuf('bbbb'));
    assert.equal(err?.code, grpc.status.RESOURCE_EXHAUSTED);
  });
});
