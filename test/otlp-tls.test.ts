import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { Agent, fetch as undiciFetch } from 'undici';
import { IngestBuffer } from '../src/collect/ingest-buffer.ts';
import { OtlpGrpcReceiver } from '../src/collect/otlp/grpc-receiver.ts';
import { OtlpIngest } from '../src/collect/otlp/ingest.ts';
import { OtlpHttpReceiver } from '../src/collect/otlp/receiver.ts';
import { readOtlpTls } from '../src/collect/otlp/tls.ts';
import { DuckDbStore } from '../src/store/duckdb/duckdb-store.ts';
import { createLogger } from '../src/util/log.ts';
import { ENGINE_FIXTURES } from './support/fixtures.ts';
import { makeTestCertificates, type TestCertificates } from './support/test-certificates.ts';

const require = createRequire(import.meta.url);
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root.js');
const TraceRequest = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
const FIXTURE = readFileSync(`${ENGINE_FIXTURES}/vllm/vllm-llm_request-trace-otlp-synthetic.json`, 'utf8');
const EXPORT = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

describe('OTLP receivers over TLS and mTLS (certificates from openssl)', () => {
  let certs: TestCertificates;
  let store: DuckDbStore;
  let ingest: OtlpIngest;
  let buffer: IngestBuffer;
  const log = createLogger('silent');
  const closing: (() => Promise<void>)[] = [];

  before(async () => {
    certs = makeTestCertificates();
    store = await DuckDbStore.open({ path: ':memory:' });
    buffer = new IngestBuffer(store, log);
    ingest = new OtlpIngest({ context: { cluster: 'c' }, buffer, log });
  });
  after(async () => {
    for (const close of closing) await close();
    await store.close();
  });

  async function httpReceiver(mtls: boolean): Promise<OtlpHttpReceiver> {
    const tls = readOtlpTls({
      cert_file: certs.files.serverCert,
      key_file: certs.files.serverKey,
      ...(mtls ? { client_ca_file: certs.files.ca } : {}),
    });
    const receiver = new OtlpHttpReceiver({ port: 0, context: { cluster: 'c' }, buffer, log, ingest, tls });
    await receiver.listen();
    closing.push(() => receiver.close());
    return receiver;
  }

  /** POSTs the fixture; the status, or the connection error's code. */
  async function post(url: string, client: 'client' | 'rogue' | null): Promise<number | string> {
    const dispatcher = new Agent({
      connect: {
        ca: certs.read('ca'),
        ...(client ? { cert: certs.read(`${client}Cert`), key: certs.read(`${client}Key`) } : {}),
      },
    });
    try {
      const response = await undiciFetch(`${url}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: FIXTURE,
        dispatcher,
      });
      await response.arrayBuffer();
      return response.status;
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause;
      return cause?.code ?? 'failed';
    } finally {
      await dispatcher.close();
    }
  }

  it('serves OTLP/HTTP over TLS: https URL, the CA-verified client gets 200', async () => {
    const receiver = await httpReceiver(false);
    assert.match(receiver.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(await post(receiver.url, null), 200);
    // Plain HTTP to a TLS port gets no OTLP answer.
    const plain = await fetch(`${receiver.url.replace('https', 'http')}/v1/traces`, {
      method: 'POST',
      body: FIXTURE,
    }).then(
      (r) => r.status,
      () => 'refused',
    );
    assert.notEqual(plain, 200);
  });

  it('with a client CA, OTLP/HTTP takes only senders whose certificate that CA signed', async () => {
    const receiver = await httpReceiver(true);
    const before = ingest.receivedSpans;
    assert.equal(await post(receiver.url, 'client'), 200);
    const anonymous = await post(receiver.url, null);
    const rogue = await post(receiver.url, 'rogue');
    console.log(`mTLS refusals: no certificate → ${anonymous}, another CA's → ${rogue}`);
    assert.equal(typeof anonymous, 'string', 'no client certificate: the handshake fails');
    assert.equal(typeof rogue, 'string', 'a certificate of another CA: the handshake fails');
    assert.ok(ingest.receivedSpans > before, 'the authorised export was read');
  });

  it('with a client CA, OTLP/gRPC takes only callers whose certificate that CA signed', async () => {
    const tls = readOtlpTls({
      cert_file: certs.files.serverCert,
      key_file: certs.files.serverKey,
      client_ca_file: certs.files.ca,
    });
    const receiver = new OtlpGrpcReceiver({ port: 0, ingest, log, tls });
    await receiver.listen();
    closing.push(() => receiver.close());
    const body = Buffer.from(TraceRequest.encode(TraceRequest.fromObject(JSON.parse(FIXTURE))).finish());
    const send = (client: 'client' | 'rogue' | null) => {
      const credentials = client
        ? grpc.credentials.createSsl(
            certs.read('ca'),
            certs.read(`${client}Key`),
            certs.read(`${client}Cert`),
          )
        : grpc.credentials.createSsl(certs.read('ca'));
      const caller = new grpc.Client(receiver.address, credentials);
      return new Promise<grpc.ServiceError | null>((resolve) =>
        caller.makeUnaryRequest(
          EXPORT,
          (b: Buffer) => b,
          (b: Buffer) => b,
          body,
          new grpc.Metadata(),
          { deadline: Date.now() + 5000 },
          (err) => {
            caller.close();
            resolve(err);
          },
        ),
      );
    };
    assert.equal(await send('client'), null);
    assert.equal((await send(null))?.code, grpc.status.UNAVAILABLE, 'no client certificate');
    assert.equal((await send('rogue'))?.code, grpc.status.UNAVAILABLE, 'a certificate of another CA');
  });

  it('names the config field whose file cannot be read', () => {
    assert.throws(
      () => readOtlpTls({ cert_file: certs.files.serverCert, key_file: '/nonexistent/tls.key' }),
      /collect\.otlp\.tls\.key_file: cannot read "\/nonexistent\/tls\.key" \(ENOENT\)/,
    );
  });
});
