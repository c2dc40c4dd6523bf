import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { IngestBuffer } from '../src/collect/ingest-buffer.ts';
import { Scraper } from '../src/collect/scrape/scraper.ts';
import { StaticDiscovery, scrapeTargetSchema } from '../src/collect/scrape/targets.ts';
import { SimCluster } from '../src/sim/cluster.ts';
import { Fleet, type FleetReplicaSpec } from '../src/sim/fleet.ts';
import { DuckDbStore } from '../src/store/duckdb/duckdb-store.ts';
import { createLogger } from '../src/util/log.ts';

const log = createLogger('silent');
const replica = (
  name: string,
  engine: FleetReplicaSpec['engine'],
  model: string,
  gpuType: FleetReplicaSpec['gpuType'],
  tensorParallel: number,
): FleetReplicaSpec => ({
  replica: name,
  cluster: 'c1',
  namespace: 'n',
  node: `node-${name}`,
  model,
  engine,
  gpuType,
  tensorParallel,
});

describe('Prometheus scraper', () => {
  let fleet: Fleet;
  let cluster: SimCluster;
  let store: DuckDbStore;

  before(async () => {
    fleet = new Fleet({
      seed: 9,
      startUs: Date.UTC(2026, 10, 25) * 1000,
      replicas: [
        replica('vllm-0', 'vllm', 'llama-3-8b', 'H100', 1),
        replica('sglang-0', 'sglang', 'qwen2.5-32b', 'H200', 2),
        replica('trtllm-0', 'trtllm', 'mixtral-8x7b', 'A100-80GB', 2),
        replica('triton-0', 'triton', 'mixtral-8x7b', 'A100-80GB', 2),
        replica('llamacpp-0', 'llamacpp', 'llama-3-8b', 'L4', 1),
      ],
      workload: {
        tenants: ['llama-3-8b', 'qwen2.5-32b', 'mixtral-8x7b'].map((model) => ({
          tenant: model,
          team: 't',
          model,
          requestsPerSecond: 2,
          families: [{ id: `sys-${model}`, systemPromptTokens: 256, weight: 1 }],
          userPromptMedian: 100,
          userPromptSigma: 0.3,
          outputMedian: 30,
          outputSigma: 0.3,
          maxTokens: 64,
        })),
        diurnalAmplitude: 0,
        dayUs: 86_400e6,
      },
    });
    cluster = new SimCluster(fleet);
    await cluster.start();
    store = await DuckDbStore.open({ path: ':memory:' });
  });

  after(async () => {
    await cluster.stop();
    await store.close();
  });

  it('collects every simulated engine end to end, detecting each one, and stores counter increases', async () => {
    const targets = cluster.endpoints.map((e) =>
      scrapeTargetSchema.parse({
        url: e.metricsUrl,
        cluster: e.cluster,
        replica: e.name,
        model: e.kind === 'engine' ? fleet.replicaByName(e.name)?.spec.model : undefined,
        slots: e.engine === 'llamacpp',
      }),
    );
    const buffer = new IngestBuffer(store, log);
    const scraper = new Scraper(new StaticDiscovery(targets), buffer, log);
    await scraper.sync();
    scraper.stop();
    fleet.runUntil(fleet.nowUs + 20e6);
    await scraper.scrapeAll();
    const generatedBefore = fleet.replicaByName('vllm-0')!.engine.stats.generationTokens;
    fleet.runUntil(fleet.nowUs + 30e6);
    await scraper.scrapeAll();
    const generatedAfter = fleet.replicaByName('vllm-0')!.engine.stats.generationTokens;
    await buffer.flush();

    const health = scraper.health();
    assert.ok(
      health.every((h) => h.up && h.lastError === null),
      JSON.stringify(health.filter((h) => !h.up)),
    );
    const engines = Object.fromEntries(health.map((h) => [h.url, h.engine]));
    for (const e of cluster.endpoints)
      assert.equal(engines[e.metricsUrl], e.kind === 'dcgm' ? 'dcgm' : e.engine, e.name);

    const range = { fromUs: 0, toUs: 4e15 };
    const generated = await store.queryMetric({
      name: 'llm.tokens.generated',
      range,
      where: { replica: ['vllm-0'] },
      stepUs: 1e15,
      aggregate: 'sum',
    });
    assert.equal(
      generated[0]?.value,
      generatedAfter - generatedBefore,
      'the stored increase equals what the engine generated between scrapes',
    );
    for (const r of ['vllm-0', 'sglang-0', 'trtllm-0', 'triton-0', 'llamacpp-0']) {
      const running = await store.queryMetric({
        name: 'llm.requests.running',
        range,
        where: { replica: [r] },
        stepUs: 1e15,
        aggregate: 'max',
      });
      assert.equal(running.length, 1, `${r} has llm.requests.running`);
    }
    const gpu = await store.queryMetric({
      name: 'gpu.utilization',
      range,
      stepUs: 1e15,
      aggregate: 'max',
      groupBy: ['replica'],
    });
    assert.deepEqual(gpu.map((p) => p.group.replica).sort(), [
      'llamacpp-0',
      'sglang-0',
      'triton-0',
      'trtllm-0',
      'vllm-0',
    ]);
    assert.equal(scraper.rejections.total, 0);
  });

  it('keeps scraping healthy targets while one target stalls past its timeout', async () => {
    const stalled = createServer((_req, res) =>
      setTimeout(() => res.end('vllm:num_requests_running{model_name="m"} 1\n'), 3000),
    );
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    const stalledUrl = `http://127.0.0.1:${(stalled.address() as AddressInfo).port}/metrics`;
    const healthy = cluster.endpoints.find((e) => e.name === 'vllm-0')!.metricsUrl;
    const buffer = new IngestBuffer(store, log);
    const scraper = new Scraper(
      new StaticDiscovery([
        scrapeTargetSchema.parse({ url: stalledUrl, engine: 'vllm', interval_s: 0.1, timeout_s: 0.3 }),
        scrapeTargetSchema.parse({ url: healthy, interval_s: 0.1, timeout_s: 1 }),
      ]),
      buffer,
      log,
    );
    await scraper.sync();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    scraper.stop();
    stalled.closeAllConnections();
    stalled.close();
    const [slow, fast] = [stalledUrl, healthy].map((url) => scraper.health().find((h) => h.url === url)!);
    assert.equal(slow?.up, false);
    assert.equal(slow?.lastError, 'timed out after 0.3 s');
    assert.ok((slow?.failures ?? 0) >= 2);
    assert.equal(fast?.up, true);
    assert.ok((fast?.scrapes ?? 0) >= 8, `healthy target scraped ${fast?.scrapes} times in 1.5 s`);
  });

  it('reports a target whose engine cannot be told, and counts rejected exposition lines', async () => {
    const odd = createServer((_req, res) => res.end('some_metric 1\nbroken{ 2\n'));
    await new Promise<void>((resolve) => odd.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(odd.address() as AddressInfo).port}/metrics`;
    const scraper = new Scraper(
      new StaticDiscovery([scrapeTargetSchema.parse({ url })]),
      new IngestBuffer(store, log),
      log,
    );
    await scraper.sync();
    scraper.stop();
    await scraper.scrapeAll();
    odd.close();
    const [health] = scraper.health();
    assert.equal(health?.up, false);
    assert.match(health?.lastError ?? '', /could not tell which engine/);
    assert.equal(scraper.rejections.total, 1);
  });

  it('calls a target that answers metrics it reads none of down, saying why (a wrong engine on the target)', async () => {
    const sglang = createServer((_req, res) =>
      res.end('# TYPE sglang_num_running_reqs gauge\nsglang_num_running_reqs{model_name="m"} 3\n'),
    );
    await new Promise<void>((resolve) => sglang.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(sglang.address() as AddressInfo).port}/metrics`;
    const scraper = new Scraper(
      new StaticDiscovery([scrapeTargetSchema.parse({ url, engine: 'vllm' })]),
      new IngestBuffer(store, log),
      log,
    );
    await scraper.sync();
    scraper.stop();
    await scraper.scrapeAll();
    sglang.close();
    const [health] = scraper.health();
    assert.equal(health?.up, false);
    assert.match(
      health?.lastError ?? '',
      /1 metric families, none of them vllm metrics KubeBurner reads \(first: sglang_num_running_reqs\)/,
    );
  });
});
