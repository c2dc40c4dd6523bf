import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startGateway } from '../src/cli/gateway-command.ts';
import { Collector } from '../src/collect/collector.ts';
import { configSchema } from '../src/config/schema.ts';
import { hashApiKey } from '../src/gateway/tenants.ts';
import { SimCluster } from '../src/sim/cluster.ts';
import { Fleet } from '../src/sim/fleet.ts';
import { demoReplicas } from '../src/sim/scenarios.ts';
import { Pacer } from '../src/sim/pacer.ts';
import { DuckDbStore } from '../src/store/duckdb/duckdb-store.ts';
import { createLogger } from '../src/util/log.ts';

/**
 * A gateway in front of a simulated vLLM that exports its request traces to the collector: each
 * request is seen twice (gateway record, engine trace) and must be stored once, joined.
 */
describe('gateway and engine records of one request are stored as one', () => {
  it('joins them by trace id: gateway tenant and timings, engine phases, one row per request', async () => {
    const log = createLogger('silent');
    const store = await DuckDbStore.open({ path: ':memory:' });
    const fleet = new Fleet({
      seed: 9,
      startUs: Date.now() * 1000,
      replicas: demoReplicas().filter((r) => r.replica === 'vllm-llama-3-8b-0'),
      workload: { tenants: [], diurnalAmplitude: 0, dayUs: 86_400e6 },
    });
    const collector = new Collector({
      store,
      log,
      context: { cluster: 'c' },
      otlp: { host: '127.0.0.1', port: 0, grpcPort: null, maxBodyBytes: 1 << 24 },
      joinGatewayTraces: true,
    });
    await collector.startReceiving();
    const cluster = new SimCluster(fleet, { otlpTracesUrl: `${collector.receiver?.url}/v1/traces` });
    await cluster.start();
    const pacer = new Pacer(fleet, 1);
    pacer.start();
    const engine = cluster.endpoints.find((e) => e.kind === 'engine');
    const config = configSchema.parse({
      collect: { cluster: 'c' },
      gateway: {
        port: 0,
        upstreams: [
          { name: 'vllm-llama-3-8b-0', url: engine?.url, models: ['meta-llama/Meta-Llama-3-8B-Instruct'] },
        ],
        tenants: [{ name: 'search-web', team: 'search', key_sha256: [hashApiKey('sk-1')] }],
        health: { interval: '1h' },
      },
    });
    const gateway = await startGateway({
      config,
      store,
      log,
      collector,
    });
    try {
      for (const stream of [true, false, true]) {
        const response = await fetch(`${gateway.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer sk-1' },
          body: JSON.stringify({
            model: 'meta-llama/Meta-Llama-3-8B-Instruct',
            messages: [{ role: 'user', content: 'hello there' }],
            max_tokens: 12,
            stream,
          }),
        });
        assert.equal(response.status, 200);
        await response.text();
      }
      await cluster.traceExporter?.flush();
      for (let i = 0; i < 100 && (collector.joiner?.joined ?? 0) < 3; i++)
        await new Promise((r) => setTimeout(r, 20));
      assert.equal(collector.joiner?.joined, 3);
    } finally {
      pacer.stop();
      await gateway.stop();
      await collector.stop();
      await cluster.stop();
    }
    const rows = await store.searchRequests({ range: { fromUs: 0, toUs: Date.now() * 2000 }, limit: 100 });
    assert.equal(rows.length, 3, 'one row per request, not two');
    for (const request of rows) {
      assert.equal(request.attributes.source, 'gateway+engine');
      assert.equal(request.team, 'search');
      assert.equal(request.engine, 'vllm');
      assert.match(request.attributes['gateway.request_id'] ?? '', /^gw-/);
      // The gateway's arrival and timings are kept; the engine's own TTFT stays as an attribute.
      assert.equal(request.arrivalUs, request.gatewayInUs);
      assert.ok((request.gatewayOutUs ?? 0) >= (request.gatewayInUs ?? Infinity));
      assert.ok(request.ttftUs !== null && request.ttftUs > 0);
      assert.ok(Number(request.attributes['engine.ttft_us']) > 0);
      const found = await store.getRequest(request.requestId);
      const kinds = new Set(found?.spans.map((s) => s.kind));
      for (const kind of ['gateway', 'queue', 'prefill', 'decode'])
        assert.ok(kinds.has(kind as never), `${kind} span`);
    }
    await store.close();
  });
});
