import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseExposition } from '../src/collect/scrape/exposition.ts';
import type { FinishedSequence } from '../src/sim/engine.ts';
import { Fleet } from '../src/sim/fleet.ts';
import { ReplicaServer } from '../src/sim/http-server.ts';
import { Pacer } from '../src/sim/pacer.ts';

const SPEED = 4;

describe('simulated engine over HTTP (OpenAI API, health, metrics)', () => {
  let fleet: Fleet;
  let pacer: Pacer;
  let server: ReplicaServer;
  const finished: FinishedSequence[] = [];

  before(async () => {
    fleet = new Fleet({
      seed: 3,
      startUs: Date.UTC(2026, 10, 25) * 1000,
      replicas: [
        {
          replica: 'vllm-0',
          cluster: 'c',
          namespace: 'n',
          node: 'node',
          model: 'llama-3-8b',
          engine: 'vllm',
          gpuType: 'H100',
          tensorParallel: 1,
        },
      ],
      workload: { tenants: [], diurnalAmplitude: 0, dayUs: 86_400e6 },
    });
    fleet.onFinish((done) => finished.push(done));
    server = new ReplicaServer(fleet, fleet.replicas[0]!);
    await server.listen();
    pacer = new Pacer(fleet, SPEED);
    pacer.start();
  });

  after(async () => {
    pacer.stop();
    await server.close();
  });

  it('lists its model and reports healthy', async () => {
    const models = (await (await fetch(`${server.url}/v1/models`)).json()) as { data: { id: string }[] };
    assert.deepEqual(
      models.data.map((m) => m.id),
      ['meta-llama/Meta-Llama-3-8B-Instruct'],
    );
    assert.equal((await fetch(`${server.url}/health`)).status, 200);
  });

  it('streams tokens as SSE at the model’s pace, then usage with cached tokens, then [DONE]', async () => {
    const system = 'You are a helpful assistant for ACME support. '.repeat(40);
    const ask = async () => {
      const t0 = performance.now();
      const response = await fetch(`${server.url}/v1/chat/completions`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        },
        body: JSON.stringify({
          model: 'meta-llama/Meta-Llama-3-8B-Instruct',
          messages: [
            { role: 'system', content: system },
            { role: 'user', content: 'Where is my order?' },
          ],
          max_tokens: 24,
          stream: true,
          stream_options: { include_usage: true },
        }),
      });
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
      const events: { at: number; data: string }[] = [];
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const part of response.body as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(part, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          events.push({ at: performance.now() - t0, data: buffer.slice(0, end).replace(/^data: /, '') });
          buffer = buffer.slice(end + 2);
        }
      }
      return events;
    };
    const first = await ask();
    assert.equal(first.at(-1)?.data, '[DONE]');
    const chunks = first.slice(0, -1).map(
      (e) =>
        JSON.parse(e.data) as {
          choices: { delta?: { content?: string }; finish_reason: string | null }[];
          usage?: {
            completion_tokens: number;
            prompt_tokens: number;
            prompt_tokens_details: { cached_tokens: number };
          };
        },
    );
    const usage = chunks.at(-1)?.usage;
    assert.ok(usage, 'usage chunk when include_usage is set');
    const tokenChunks = chunks.filter((c) => c.choices[0]?.delta?.content);
    assert.equal(tokenChunks.length, usage.completion_tokens);
    assert.ok(usage.prompt_tokens > 400);
    const done = finished.find((f) => f.spec.traceId === '0af7651916cd43dd8448eb211c80319c');
    assert.ok(done, 'the request kept the trace id from traceparent');
    assert.equal(done.spec.parentSpanId, 'b7ad6b7169203331');
    // Wall-clock spacing of the stream follows the simulated decode time (÷ speed, ± pacing ticks).
    if (done.generated > 2) {
      const wallDecodeMs = first.at(-3)!.at - first[0]!.at;
      const simDecodeMs = (done.lastTokenUs - done.firstTokenUs) / 1000 / SPEED;
      assert.ok(
        Math.abs(wallDecodeMs - simDecodeMs) < 50 + simDecodeMs * 0.3,
        `stream ${wallDecodeMs} ms vs model ${simDecodeMs} ms`,
      );
    }
    const second = await ask();
    const secondUsage = (
      JSON.parse(second.at(-2)!.data) as { usage: { prompt_tokens_details: { cached_tokens: number } } }
    ).usage;
    assert.ok(
      secondUsage.prompt_tokens_details.cached_tokens >= 384,
      'the shared system prompt was served from the prefix cache',
    );
  });

  it('answers a non-streaming completion with the full text and usage', async () => {
    const response = await fetch(`${server.url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'llama-3-8b', prompt: 'Once upon a time', max_tokens: 5 }),
    });
    assert.equal(response.status, 200);
    const body = (await response.json()) as {
      choices: { text: string; finish_reason: string }[];
      usage: { completion_tokens: number };
    };
    assert.ok(body.usage.completion_tokens >= 1 && body.usage.completion_tokens <= 5);
    assert.equal(body.choices[0]?.text.split(' ').length, body.usage.completion_tokens);
  });

  it('rejects bad requests with OpenAI-shaped errors naming the problem', async () => {
    const post = (body: string) =>
      fetch(`${server.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
    const notJson = await post('{oops');
    assert.equal(notJson.status, 400);
    assert.match(((await notJson.json()) as { error: { message: string } }).error.message, /not valid JSON/);
    const noMessages = await post(JSON.stringify({ model: 'llama-3-8b' }));
    assert.equal(noMessages.status, 400);
    assert.match(((await noMessages.json()) as { error: { message: string } }).error.message, /^messages:/);
    const wrongModel = await post(
      JSON.stringify({ model: 'gpt-9', messages: [{ role: 'user', content: 'hi' }] }),
    );
    assert.equal(wrongModel.status, 404);
  });

  it('cancels the request in the engine when the client disconnects mid-stream', async () => {
    const controller = new AbortController();
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'llama-3-8b',
        messages: [{ role: 'user', content: 'Write a long story.' }],
        max_tokens: 2000,
        stream: true,
      }),
      signal: controller.signal,
    });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    controller.abort();
    await new Promise((resolve) => setTimeout(resolve, 150));
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const success = parseExposition(text).families.find((f) => f.name === 'vllm:request_success_total');
    const aborted = success?.samples.find((s) => s.labels.finished_reason === 'abort')?.value;
    assert.equal(aborted, 1);
    assert.equal(fleet.replicas[0]!.engine.running.length, 0, 'no sequence left running');
  });

  it('reports 503 while the replica is down (loading the model) and refuses completions', async () => {
    const engine = fleet.replicas[0]!.engine;
    engine.crash(fleet.nowUs, fleet.nowUs + 3600e6);
    const health = await fetch(`${server.url}/health`);
    assert.equal(health.status, 503);
    assert.deepEqual(await health.json(), {
      error: { code: 503, message: 'Loading model', type: 'unavailable_error' },
    });
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'llama-3-8b', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(response.status, 503);
  });
});
