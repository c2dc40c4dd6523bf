import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { parseExposition } from '../src/collect/scrape/exposition.ts';
import { DeltaTracker } from '../src/collect/scrape/deltas.ts';
import { configSchema } from '../src/config/schema.ts';
import { Gateway, type GatewayRecord } from '../src/gateway/gateway.ts';
import { gatewayRecordToRequest } from '../src/gateway/telemetry.ts';
import type { MetricSample } from '../src/model/metric-sample.ts';
import { llamacppAdapter, normalizeLlamacppSlots } from '../src/normalize/llamacpp.ts';
import { ENGINE_FIXTURES } from './support/fixtures.ts';
import { observeChat, type LlamacppTimings } from './support/engine-client.ts';
import { ScriptedUpstream } from './support/scripted-upstream.ts';

/**
 * The real-engine path without the binary: a run of upstream llama-server recorded by
 * scripts/record-llamacpp-run.ts (bodies, /metrics, /slots and the client's clock), replayed.
 */
interface RecordedRun {
  requests: {
    requestId: string;
    stream: boolean;
    includeUsage: boolean;
    client: { sentMs: number; firstContentMs: number | null; endMs: number };
    body: string;
  }[];
  scrapes: { atMs: number; metrics: string; slots: unknown }[];
}
const run = JSON.parse(
  readFileSync(`${ENGINE_FIXTURES}/llamacpp/real-run-2026-12-07.json`, 'utf8'),
) as RecordedRun;
const timingsOf = (body: string) =>
  JSON.parse(/"timings":(\{[^}]*\})/.exec(body)?.[1] ?? 'null') as LlamacppTimings;
const context = (timeMs: number) => ({ timeMs, target: { cluster: 'c', replica: 'llama-0', model: 'tiny' } });
const sum = (samples: readonly MetricSample[], name: string) =>
  samples.filter((s) => s.name === name).reduce((total, s) => total + s.value, 0);

describe('a recorded llama.cpp run', () => {
  it("adds up: the engine's counters move by the sum of its requests' own timings", () => {
    const deltas = new DeltaTracker();
    const increases = run.scrapes.flatMap((s) =>
      deltas.apply(llamacppAdapter.normalize(parseExposition(s.metrics).families, context(s.atMs))),
    );
    const timings = run.requests.map((r) => timingsOf(r.body));
    const total = (key: keyof LlamacppTimings) => timings.reduce((t, x) => t + x[key], 0);
    assert.equal(sum(increases, 'llm.tokens.generated'), total('predicted_n'));
    assert.equal(sum(increases, 'llm.tokens.prompt_computed'), total('prompt_n'));
    assert.equal(sum(increases, 'llm.tokens.prompt_cached'), total('cache_n'));
    assert.ok(total('cache_n') > 0, 'the shared prefix was reused');
    assert.equal(sum(increases, 'llm.tokens.prompt'), total('prompt_n') + total('cache_n'));
  });

  it('gives each scrape interval its own batch size, within the slots, and 0 once idle', () => {
    const deltas = new DeltaTracker();
    const sizes = run.scrapes.map((s) => {
      const increases = deltas.apply(
        llamacppAdapter.normalize(parseExposition(s.metrics).families, context(s.atMs)),
      );
      return llamacppAdapter.fromIncreases?.(increases).find((x) => x.name === 'llm.batch.size')?.value;
    });
    const windowed = sizes.slice(1) as number[];
    assert.ok(
      windowed.every((v) => v >= 0 && v <= 4 + 1e-3),
      `batch sizes ${windowed.join(', ')}`,
    );
    assert.ok(
      windowed.some((v) => v > 1),
      'several requests ran together',
    );
    assert.equal(windowed.at(-1), 0, 'the last interval saw no decode');
    const lifetime = /^llamacpp:n_busy_slots_per_decode (\S+)$/m.exec(run.scrapes.at(-1)!.metrics)?.[1];
    assert.ok(Number(lifetime) > 1, 'while the lifetime average still says the batch was busy');
  });

  it('reads KV occupancy and busy slots from every /slots answer', () => {
    for (const scrape of run.scrapes) {
      const samples = normalizeLlamacppSlots(scrape.slots, context(scrape.atMs));
      assert.equal(samples.find((s) => s.name === 'llm.kv_cache.capacity')?.value, 2048);
      const running = samples.find((s) => s.name === 'llm.requests.running')?.value ?? -1;
      assert.ok(running >= 0 && running <= 4);
    }
  });

  describe('replayed through the gateway at the recorded pace', () => {
    const upstream = new ScriptedUpstream();
    let gateway: Gateway;
    const records: GatewayRecord[] = [];

    before(async () => {
      await upstream.start();
      // Each answer ends when it ended for the recording client: the engine finished then.
      upstream.handler = async (req, res: ServerResponse) => {
        const recorded = run.requests.find((r) => r.requestId === req.headers['x-request-id']);
        if (!recorded) return res.writeHead(404).end();
        const { sentMs, firstContentMs, endMs } = recorded.client;
        const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
        if (!recorded.stream) {
          await sleep(endMs - sentMs);
          res.writeHead(200, { 'content-type': 'application/json' });
          return res.end(recorded.body);
        }
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const events = recorded.body.split('\n\n').filter((e) => e !== '');
        await sleep((firstContentMs ?? endMs) - sentMs);
        res.write(`${events.slice(0, 2).join('\n\n')}\n\n`);
        await sleep(endMs - (firstContentMs ?? endMs));
        res.end(`${events.slice(2).join('\n\n')}\n\n`);
      };
      const config = configSchema.parse({
        gateway: {
          port: 0,
          upstreams: [{ name: 'llama-0', url: upstream.url, models: ['tiny'] }],
          health: { interval: '1h' },
        },
      }).gateway;
      gateway = new Gateway({ config, onRecord: (r) => void records.push(r) });
      const base = await gateway.listen();
      await Promise.all(
        run.requests.map((r) =>
          observeChat({
            baseUrl: base,
            requestId: r.requestId,
            model: 'tiny',
            prompt: 'replayed',
            maxTokens: 8,
            stream: r.stream,
            includeUsage: r.includeUsage,
          }),
        ),
      );
    });
    after(async () => {
      await gateway.close();
      await upstream.stop();
    });

    it("builds queue, prefill and decode from the engine's timings on every request", () => {
      assert.equal(records.length, run.requests.length);
      for (const recorded of run.requests) {
        const record = records.find((r) => r.requestId === recorded.requestId)!;
        const { request, spans } = gatewayRecordToRequest(record, { cluster: 'c' });
        const t = timingsOf(recorded.body);
        assert.equal(request.engine, 'llamacpp');
        assert.equal(request.prefillUs, Math.round(t.prompt_ms * 1000), recorded.requestId);
        assert.equal(request.decodeUs, Math.round(t.predicted_ms * 1000), recorded.requestId);
        const { sentMs, endMs } = recorded.client;
        const queueMs = endMs - sentMs - t.prompt_ms - t.predicted_ms;
        assert.ok(
          Math.abs(request.queueUs! / 1000 - queueMs) < 50,
          `${recorded.requestId} queue ${request.queueUs} vs ${queueMs} ms`,
        );
        assert.equal(request.cachedPromptTokens, t.cache_n);
        assert.equal(request.outputTokens, t.predicted_n);
        const kinds = spans.map((s) => s.kind);
        for (const kind of ['queue', 'prefill', 'decode'] as const)
          assert.ok(kinds.includes(kind), `${recorded.requestId}: ${kind}`);
        assert.match(spans.find((s) => s.kind === 'queue')!.attributes['kb.phase_source']!, /^derived/);
        if (!recorded.stream) {
          // A whole answer: TTFT is where the engine put its first token, not the end.
          assert.ok(Math.abs(request.ttftUs! / 1000 - (endMs - sentMs - t.predicted_ms)) < 50);
          assert.equal(request.tpotUs, Math.round((t.predicted_ms * 1000) / (t.predicted_n - 1)));
        }
      }
    });
  });
});
