/**
 * Load side of bench/ingest.ts, run as a separate process so its CPU is not counted:
 *   targets <port> <count>   — serve <count> simulated vLLM replicas at /r/<i>/metrics
 *   otlp <url> <batches> <spansPerBatch> — POST pre-encoded OTLP protobuf batches, 4 at a time
 */
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { EngineReplica, replicaConfig } from '../src/sim/engine.ts';
import { renderVllm } from '../src/sim/exposition/vllm.ts';
import { MODEL_CARDS } from '../src/sim/model-cards.ts';

const [mode, a, b, c] = process.argv.slice(2);

if (mode === 'targets') {
  const count = Number(b);
  // Replicas that have served traffic, so every histogram has buckets filled in.
  const replicas = Array.from({ length: count }, (_, i) => {
    const replica = new EngineReplica(
      replicaConfig({
        replica: `r${i}`,
        engine: 'vllm',
        card: MODEL_CARDS['llama-3-8b']!,
        gpuType: 'H100',
        tensorParallel: 1,
      }),
      0,
    );
    for (let k = 0; k < 8; k++) {
      replica.enqueue(
        {
          requestId: `q${i}-${k}`,
          tenant: 't',
          team: 't',
          promptTokens: 200 + k * 50,
          promptBlockHashes: [],
          outputTokens: 20,
          maxTokens: 64,
          reasoningTokens: 0,
          promptFamily: null,
          traceId: '0'.repeat(32),
          parentSpanId: null,
          arrivalUs: 0,
        },
        0,
      );
    }
    replica.runUntilIdle(0);
    return replica;
  });
  const texts = replicas.map((r) => renderVllm(r));
  const server = createServer((req, res) => {
    const match = /^\/r\/(\d+)\/metrics$/.exec(req.url ?? '');
    const text = match ? texts[Number(match[1])] : undefined;
    if (!text) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(text);
  });
  server.listen(Number(a), '127.0.0.1', () =>
    process.stdout.write(`ready ${texts[0]?.split('\n').filter((l) => l && !l.startsWith('#')).length}\n`),
  );
} else if (mode === 'otlp') {
  const require = createRequire(import.meta.url);
  const root = require('@opentelemetry/otlp-transformer/build/src/generated/root.js');
  const TraceRequest = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
  const batches = Number(b);
  const perBatch = Number(c);
  const attr = (key: string, value: object) => ({ key, value });
  const bodies: Uint8Array[] = [];
  for (let n = 0; n < batches; n++) {
    const spans = Array.from({ length: perBatch }, (_, i) => {
      const id = n * perBatch + i;
      const start = BigInt(1_767_225_600_000_000_000) + BigInt(id) * 1_000_000n;
      return {
        traceId: Buffer.from(id.toString(16).padStart(32, '0'), 'hex'),
        spanId: Buffer.from((id + 1).toString(16).padStart(16, '0'), 'hex'),
        name: 'llm_request',
        kind: 2,
        startTimeUnixNano: start.toString(),
        endTimeUnixNano: (start + 3_000_000_000n).toString(),
        attributes: [
          attr('gen_ai.usage.prompt_tokens', { intValue: 1200 }),
          attr('gen_ai.usage.completion_tokens', { intValue: 150 }),
          attr('gen_ai.request.id', { stringValue: `chatcmpl-${id.toString(16).padStart(24, '0')}` }),
          attr('gen_ai.request.max_tokens', { intValue: 512 }),
          attr('gen_ai.latency.time_to_first_token', { doubleValue: 0.18 }),
          attr('gen_ai.latency.e2e', { doubleValue: 2.9 }),
          attr('gen_ai.latency.time_in_queue', { doubleValue: 0.05 }),
          attr('gen_ai.latency.time_in_model_prefill', { doubleValue: 0.12 }),
          attr('gen_ai.latency.time_in_model_decode', { doubleValue: 2.7 }),
          attr('gen_ai.latency.time_in_model_inference', { doubleValue: 2.82 }),
        ],
      };
    });
    const message = {
      resourceSpans: [
        {
          resource: {
            attributes: [
              attr('service.name', { stringValue: 'vllm-bench' }),
              attr('k8s.pod.name', { stringValue: `vllm-${n % 16}` }),
            ],
          },
          scopeSpans: [{ scope: { name: 'vllm.llm_engine' }, spans }],
        },
      ],
    };
    bodies.push(TraceRequest.encode(TraceRequest.fromObject(message)).finish());
  }
  let next = 0;
  let retries = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++] as Uint8Array;
      for (;;) {
        const response = await fetch(a as string, {
          method: 'POST',
          headers: { 'content-type': 'application/x-protobuf' },
          body,
        });
        await response.arrayBuffer();
        if (response.status === 429) {
          retries++;
          await new Promise((resolve) => setTimeout(resolve, 50));
          continue;
        }
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        break;
      }
    }
  };
  await Promise.all(Array.from({ length: 4 }, () => worker()));
  process.stdout.write(
    `sent ${batches * perBatch} ${((performance.now() - t0) / 1000).toFixed(3)} ${retries}\n`,
  );
}
