import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { IngestBuffer } from '../src/collect/ingest-buffer.ts';
import { OtlpAuth } from '../src/collect/otlp/auth.ts';
import { OtlpGrpcReceiver } from '../src/collect/otlp/grpc-receiver.ts';
import { OtlpIngest } from '../src/collect/otlp/ingest.ts';
import { OtlpHttpReceiver } from '../src/collect/otlp/receiver.ts';
import { DuckDbStore } from '../src/store/duckdb/duckdb-store.ts';
import { createLogger } from '../src/util/log.ts';
import { ENGINE_FIXTURES } from './support/fixtures.ts';

const require = createRequire(import.meta.url);
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root.js');
const TraceRequest = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
const TOKEN = 'otlp-writer-token';
const FIXTURE = readFileSync(`${ENGINE_FIXTURES}/vllm/vllm-llm_request-trace-otlp-synthetic.json`, 'utf8');

describe('OTLP receivers with bearer tokens', () => {
  let store: DuckDbStore;
  let http: OtlpHttpReceiver;
  let grpcReceiver: OtlpGrpcReceiver;
  let client: grpc.Client;

  before(async () => {
    store = await DuckDbStore.open({ path: ':memory:' });
    const log = createLogger('silent');
    const buffer = new IngestBuffer(store, log);
    const ingest = new OtlpIngest({ context: { cluster: 'c' }, buffer, log });
    const auth = new OtlpAuth([createHash('sha256').update(TOKEN).digest('hex')]);
    http = new OtlpHttpReceiver({
      port: 0,
      context: { cluster: 'c' },
      buffer,
      log,
      ingest,
      auth,
      maxBodyBytes: 1 << 20,
    });
    await http.listen();
    grpcReceiver = new OtlpGrpcReceiver({ port: 0, ingest, log, auth });
    await grpcReceiver.listen();
    client = new grpc.Client(grpcReceiver.address, grpc.credentials.createInsecure());
  });
  after(async () => {
    client.close();
    await http.close();
    await grpcReceiver.close();
    await store.close();
  });

  it('answers OTLP/HTTP without the token 401 (UNAUTHENTICATED), and takes it with the token', async () => {
    const post = (authorization?: string) =>
      fetch(`${http.url}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: FIXTURE,
      });
    for (const authorization of [undefined, 'Bearer wrong', `Basic ${TOKEN}`]) {
      const refused = await post(authorization);
      assert.equal(refused.status, 401, String(authorization));
      assert.equal(refused.headers.get('www-authenticate'), 'Bearer');
      assert.equal(((await refused.json()) as { code: number }).code, 16);
    }
    assert.equal((await post(`Bearer ${TOKEN}`)).status, 200);
  });

  it('answers OTLP/gRPC without the token UNAUTHENTICATED, and takes it with the token', async () => {
    const body = Buffer.from(TraceRequest.encode(TraceRequest.fromObject(JSON.parse(FIXTURE))).finish());
    const send = (metadata: grpc.Metadata) =>
      new Promise<grpc.ServiceError | null>((resolve) =>
        client.makeUnaryRequest(
          '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
          (b: Buffer) => b,
          (b: Buffer) => b,
          body,
          metadata,
          (err) => resolve(err),
        ),
      );
    const none = await send(new grpc.Metadata());
    assert.equal(none?.code, grpc.status.UNAUTHENTICATED);
    const good = new grpc.Metadata();
    good.set('authorization', `Bearer ${TOKEN}`);
    assert.equal(await send(good), null);
  });
});
