/**
 * Records a real llama.cpp run as a test fixture: upstream `llama-server` (found by
 * test/support/llama-server.ts, or KUBEBURNER_ENGINES_DIR) with a small random-weight model and
 * 4 slots, 8 chat completions at once
 * (streaming with and without include_usage, and whole answers), while `/metrics` and `/slots` are
 * read every 250 ms. Everything in the file is what the engine and the client produced: raw
 * bodies, exposition text, slot JSON, and the client's own clock (ms since the run began).
 *
 *   npx tsx scripts/record-llamacpp-run.ts test/fixtures/engines/llamacpp/real-run-<date>.json
 */
import { writeFileSync } from 'node:fs';
import { observeChat } from '../test/support/engine-client.ts';
import { startLlamaServer } from '../test/support/llama-server.ts';

const out = process.argv[2];
if (!out) throw new Error('usage: record-llamacpp-run.ts OUT.json');

const engine = await startLlamaServer({ slots: 4, contextTokens: 2048 });
const originMs = performance.now();
const at = () => Math.round((performance.now() - originMs) * 1000) / 1000;
const scrapes: { atMs: number; metrics: string; slots: unknown }[] = [];
const scrape = async () => {
  const atMs = at();
  const [metrics, slots] = await Promise.all([
    fetch(`${engine.url}/metrics`).then((r) => r.text()),
    fetch(`${engine.url}/slots`).then((r) => r.json() as Promise<unknown>),
  ]);
  scrapes.push({ atMs, metrics, slots });
};
try {
  await scrape();
  const timer = setInterval(() => void scrape(), 250);
  const calls = Array.from({ length: 8 }, (_, i) => ({
    baseUrl: engine.url,
    requestId: `rec-${i}`,
    model: 'tiny-llama',
    // Two share a long prefix, so the cache shows up in cache_n and prompt_tokens_cached_total.
    prompt: `${i % 4 === 1 ? 'shared system prompt about queues and caches. '.repeat(6) : `request ${i}: `}${'tell me a story '.repeat(2 + i)}`,
    maxTokens: 12 + 3 * i,
    stream: i % 3 !== 2,
    includeUsage: i % 3 === 0,
  }));
  const observed = await Promise.all(calls.map(observeChat));
  clearInterval(timer);
  // Two more once idle: the interval between them saw no decode.
  for (let i = 0; i < 2; i++) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    await scrape();
  }
  const requests = observed.map((o) => ({
    requestId: o.requestId,
    stream: o.stream,
    includeUsage: o.includeUsage,
    status: o.status,
    client: {
      sentMs: o.sentMs - originMs,
      firstContentMs: o.firstContentMs === null ? null : o.firstContentMs - originMs,
      endMs: o.endMs - originMs,
    },
    body: o.body,
  }));
  writeFileSync(
    out,
    `${JSON.stringify(
      {
        recorded: new Date().toISOString(),
        engine:
          'llama-server (upstream llama.cpp, CPU) -np 4 -c 2048 -t 2 --metrics --slots; model from make-tiny-gguf.mjs defaults',
        requests,
        scrapes: scrapes.sort((a, b) => a.atMs - b.atMs),
      },
      null,
      1,
    )}\n`,
  );
  console.log(`${out}: ${requests.length} requests, ${scrapes.length} scrapes`);
} finally {
  await engine.stop();
}
