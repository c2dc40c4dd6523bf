import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { SimCluster } from './cluster.ts';
import { Fleet } from './fleet.ts';
import type { OtlpResourceSpans } from './traces.ts';
import type { TenantProfile } from './workload.ts';

async function body(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}

describe('simulated engines export traces over OTLP/HTTP', () => {
  it('sends vLLM llm_request spans and SGLang request traces to the configured endpoint', async () => {
    const received: OtlpResourceSpans[] = [];
    const receiver = createServer(async (req, res) => {
      assert.equal(req.url, '/v1/traces');
      assert.equal(req.headers['content-type'], 'application/json');
      received.push(...(JSON.parse(await body(req)) as { resourceSpans: OtlpResourceSpans[] }).resourceSpans);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/v1/traces`;
    const appA: TenantProfile = {
      tenant: 'a',
      team: 'a',
      model: 'llama-3-8b',
      requestsPerSecond: 5,
      families: [],
      userPromptMedian: 100,
      userPromptSigma: 0.3,
      outputMedian: 20,
      outputSigma: 0.3,
      maxTokens: 64,
    };
    const fleet = new Fleet({
      seed: 5,
      startUs: 0,
      replicas: [
        {
          replica: 'v',
          cluster: 'c',
          namespace: 'n',
          node: 'a',
          model: 'llama-3-8b',
          engine: 'vllm',
          gpuType: 'H100',
          tensorParallel: 1,
        },
        {
          replica: 's',
          cluster: 'c',
          namespace: 'n',
          node: 'b',
          model: 'qwen2.5-32b',
          engine: 'sglang',
          gpuType: 'H200',
          tensorParallel: 2,
        },
      ],
      workload: {
        tenants: [appA, { ...appA, tenant: 'b', team: 'b', model: 'qwen2.5-32b', requestsPerSecond: 2 }],
        diurnalAmplitude: 0,
        dayUs: 86_400e6,
      },
    });
    let finished = 0;
    fleet.onFinish(() => finished++);
    const cluster = new SimCluster(fleet, { otlpTracesUrl: url });
    // One request as over the HTTP API (through a gateway): its caller traces on its own.
    const viaHttp = fleet.makeRequest(appA, {
      requestId: 'over-http',
      traceId: 'f'.repeat(32),
      parentSpanId: 'e'.repeat(16),
      callerTraced: false,
    });
    assert.ok(fleet.submit(viaHttp, 'llama-3-8b'));
    fleet.runUntil(10e6);
    await cluster.traceExporter?.flush();
    receiver.close();
    const spans = received.flatMap((rs) =>
      rs.scopeSpans.flatMap((s) => s.spans.map((span) => ({ scope: s.scope.name, span }))),
    );
    const vllm = spans.filter((s) => s.scope === 'vllm.llm_engine');
    const sglangRoots = spans.filter((s) => s.span.name.startsWith(' Req '));
    assert.ok(finished > 40);
    assert.equal(vllm.length + sglangRoots.length, finished, 'one request trace per finished request');
    assert.ok(vllm.length > 0 && sglangRoots.length > 0);
    assert.ok(vllm.every((s) => s.span.name === 'llm_request' && s.span.kind === 2));
    // Each app-sent request's caller: a GenAI client span from the tenant's service, parent of the
    // engine's span; none for the one that came over HTTP.
    const clients = received.filter(
      (rs) => rs.scopeSpans[0]?.scope.name === 'opentelemetry.instrumentation.openai_v2',
    );
    assert.equal(clients.length, finished - 1);
    const service = (rs: OtlpResourceSpans) =>
      (rs.resource.attributes.find((a) => a.key === 'service.name')?.value as { stringValue?: string })
        .stringValue;
    assert.deepEqual([...new Set(clients.map(service))].sort(), ['a', 'b']);
    const clientIds = new Set(clients.map((rs) => rs.scopeSpans[0]?.spans[0]?.spanId));
    assert.ok(
      vllm
        .filter((s) => s.span.traceId !== 'f'.repeat(32))
        .every((s) => clientIds.has(s.span.parentSpanId ?? '')),
    );
    assert.ok(clients.every((rs) => rs.scopeSpans[0]?.spans[0]?.traceId !== 'f'.repeat(32)));
    assert.equal(cluster.traceExporter?.dropped, 0);
  });
});
