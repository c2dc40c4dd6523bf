import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { PriceBook } from '../src/analyze/cost/price-book.ts';
import { Collector } from '../src/collect/collector.ts';
import { scrapeTargetSchema } from '../src/collect/scrape/targets.ts';
import { DuckDbStore } from '../src/store/duckdb/duckdb-store.ts';
import { createLogger } from '../src/util/log.ts';
import { storedSeriesBy } from './support/samples.ts';
import { ENGINE_FIXTURES } from './support/fixtures.ts';

const FIXTURES = `${ENGINE_FIXTURES}/vllm`;
const METRICS = readFileSync(`${FIXTURES}/vllm-v1-metrics-synthetic.prom`, 'utf8');
const TRACE = readFileSync(`${FIXTURES}/vllm-llm_request-trace-otlp-synthetic.json`, 'utf8');

/** A minimal vLLM llm_request span of our own, carrying the caller's `user.id`. */
function spanFromTenant(tenant: string): string {
  const attributes = Object.entries({
    'gen_ai.request.id': 'chatcmpl-from-acme',
    'user.id': tenant,
    'gen_ai.usage.prompt_tokens': 100,
    'gen_ai.usage.completion_tokens': 10,
    'gen_ai.latency.time_to_first_token': 0.1,
    'gen_ai.latency.e2e': 0.5,
    'gen_ai.latency.time_in_queue': 0.01,
    'gen_ai.latency.time_in_model_prefill': 0.05,
    'gen_ai.latency.time_in_model_decode': 0.4,
  }).map(([key, v]) =>
    typeof v === 'string' ? { key, value: { stringValue: v } } : { key, value: { doubleValue: v } },
  );
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'vllm-qwen3-8b' } }] },
        scopeSpans: [
          {
            spans: [
              {
                traceId: '0af7651916cd43dd8448eb211c80319c',
                spanId: 'b7ad6b7169203331',
                name: 'llm_request',
                kind: 2,
                startTimeUnixNano: '1767225600000000000',
                endTimeUnixNano: '1767225600500000000',
                attributes,
              },
            ],
          },
        ],
      },
    ],
  });
}

/** The fixture's requests run from 2026-01-01T00:00:00.25Z for up to 11.4 s: the collector's clock is set there. */
const FIXTURE_START_MS = Date.UTC(2026, 0, 1);

describe('collected requests: price from node labels, placement, team and model alias from config', () => {
  let metricsServer: Server;
  let store: DuckDbStore;
  let collector: Collector;
  let nowMs = FIXTURE_START_MS - 1000;

  /** Time passes past the requests, the replica is scraped, the ledger settles, the buffer writes. */
  async function settleAndStore() {
    nowMs = Math.max(nowMs, FIXTURE_START_MS + 20_000);
    await collector.scraper.scrapeAll();
    // The fixture's gauge says 14 run at every scrape, more than this test sends: the ledger
    // waits its longest hold (2 min) for them before it settles.
    nowMs += 130_000;
    collector.pricing!.settle(nowMs * 1000);
    await collector.buffer.flush();
  }

  before(async () => {
    metricsServer = createServer((_req, res) => res.end(METRICS));
    await new Promise<void>((resolve) => metricsServer.listen(0, '127.0.0.1', resolve));
    const port = (metricsServer.address() as AddressInfo).port;
    store = await DuckDbStore.open({ path: ':memory:' });
    collector = new Collector({
      store,
      log: createLogger('silent'),
      context: { cluster: 'eu-west-4' },
      otlp: { host: '127.0.0.1', port: 0, grpcPort: null, maxBodyBytes: 1_000_000 },
      prices: new PriceBook('on_demand'),
      clockMs: () => nowMs,
      manualScrape: true,
      tenantTeams: { acme: 'search' },
      modelAliases: { 'Qwen/Qwen3-8B': 'qwen3-8b' },
      targets: [
        scrapeTargetSchema.parse({
          url: `http://127.0.0.1:${port}/metrics`,
          replica: 'vllm-qwen3-8b', // the fixture's service.name (it has no k8s.pod.name)
          namespace: 'llm',
          workload: 'qwen3-8b',
          node: 'gpu-node-7',
          node_labels: {
            'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3',
            'karpenter.sh/capacity-type': 'spot',
            'karpenter.sh/nodepool': 'h100-spot',
            'kubeburner.io/usd-per-gpu-hour': '2.80',
          },
        }),
      ],
    });
    await collector.start();
    await collector.scraper.scrapeAll(); // the interval begins before the requests, 14 running
  });

  after(async () => {
    await collector.stop();
    await store.close();
    await new Promise((resolve) => metricsServer.close(resolve));
  });

  const post = (body: string) =>
    fetch(`${collector.receiver!.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });

  it('prices a fixture request at the node label’s price, shared by the running batch', async () => {
    assert.equal((await post(TRACE)).status, 200);
    await collector.buffer.flush();
    assert.equal(
      await store.getRequest('chatcmpl-7f1c2a9d4b8e4f6a9c3d2e1f0a9b8c7d'),
      null,
      'waits for its interval',
    );
    await settleAndStore();
    const found = await store.getRequest('chatcmpl-7f1c2a9d4b8e4f6a9c3d2e1f0a9b8c7d');
    assert.ok(found);
    const { request } = found;
    // $2.80/GPU-h (node label, not the on-demand list price) × 1 GPU × (prefill 0.058211 s +
    // decode 3.268004 s) ÷ 3600, a fourteenth: the engine ran 14 (the fixture's gauge at both
    // scrapes), its batch size unknown, so it paid a slot of 14; the other 12 are unattributed.
    const expected = (2.8 * (0.058211 + 3.268004)) / 3600 / 14;
    assert.ok(Math.abs(request.costUsd! - expected) < 1e-12, `${request.costUsd} vs ${expected}`);
    assert.equal(request.gpuType, 'H100', 'GPU type from the GPU Feature Discovery label');
    assert.deepEqual([request.namespace, request.workload, request.node], ['llm', 'qwen3-8b', 'gpu-node-7']);
    assert.equal(request.attributes['kb.cost'], 'ledger');
    assert.equal(request.model, 'qwen3-8b', 'the served name stored under its configured alias');
  });

  it('stores scraped series under the model alias too, so metrics and requests share one model name', async () => {
    await collector.buffer.flush();
    assert.deepEqual(await storedSeriesBy(store, 'llm.requests.running', 'model'), ['qwen3-8b']);
  });

  it('bills a request to the team configured for the tenant in its user.id', async () => {
    assert.equal((await post(spanFromTenant('acme'))).status, 200);
    await settleAndStore();
    const found = await store.getRequest('chatcmpl-from-acme');
    assert.deepEqual([found?.request.tenant, found?.request.team], ['acme', 'search']);
  });
});
