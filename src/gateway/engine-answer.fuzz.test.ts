import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { timingFromLlamacpp, timingFromTgiHeaders } from './engine-timing.ts';
import { SseTap, readUsage } from './sse-tap.ts';

/**
 * Whatever an engine answers — any bytes, cut anywhere, any JSON in its usage or timings — the
 * gateway's reading of it never throws, passes the stream through byte for byte when it has
 * nothing to strip, and never yields a count or a duration the store could not take.
 */
const SEED = Number(process.env.KUBEBURNER_FUZZ_SEED ?? Date.now() % 1_000_000);

const event = (payload: unknown) => `data: ${JSON.stringify(payload)}\n\n`;
const chunkPayload = fc.oneof(
  fc.jsonValue(),
  fc.record({
    choices: fc.oneof(fc.constant([]), fc.array(fc.jsonValue(), { maxLength: 2 })),
    usage: fc.oneof(
      fc.jsonValue(),
      fc.record({ prompt_tokens: fc.jsonValue(), completion_tokens: fc.jsonValue() }),
    ),
    timings: fc.oneof(
      fc.jsonValue(),
      fc.record({ prompt_ms: fc.jsonValue(), predicted_ms: fc.jsonValue(), predicted_n: fc.jsonValue() }),
    ),
  }),
);
/** A stream: well-formed events, raw bytes, or both, cut into chunks anywhere. */
const stream = fc
  .tuple(
    fc.array(
      fc.oneof(
        chunkPayload.map(event),
        fc.string(),
        fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('latin1')),
      ),
      {
        maxLength: 8,
      },
    ),
    fc.array(fc.nat(400), { maxLength: 6 }),
  )
  .map(([parts, cuts]) => {
    const bytes = Buffer.from(parts.join(''), 'latin1');
    const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
    const chunks: Buffer[] = [];
    let from = 0;
    for (const cut of [...at, bytes.length]) {
      chunks.push(bytes.subarray(from, cut));
      from = cut;
    }
    return { bytes, chunks };
  });

const countOk = (n: number | null) => n === null || (Number.isSafeInteger(n) && n >= 0 && n < 2 ** 31);

describe(`engine answers, fuzzed (seed ${SEED}; KUBEBURNER_FUZZ_SEED replays)`, () => {
  it('a stream is read without throwing and passed through byte for byte when nothing is stripped', () => {
    fc.assert(
      fc.property(stream, ({ bytes, chunks }) => {
        const tap = new SseTap(false);
        const out = Buffer.concat([...chunks.map((c, i) => tap.push(c, i)), tap.flush(chunks.length)]);
        assert.ok(out.equals(bytes));
        assert.ok(countOk(tap.usage?.promptTokens ?? null) && countOk(tap.usage?.completionTokens ?? null));
      }),
      { numRuns: 4000, seed: SEED },
    );
  });

  // Invalid UTF-8 comes out as U+FFFD (3 bytes), as any SSE client would decode it: at most 3x.
  it('stripping the added usage never throws, and the stream grows only by replaced invalid bytes', () => {
    fc.assert(
      fc.property(stream, ({ bytes, chunks }) => {
        const tap = new SseTap(true);
        const out = Buffer.concat([...chunks.map((c, i) => tap.push(c, i)), tap.flush(chunks.length)]);
        assert.ok(out.length <= 3 * bytes.length);
      }),
      { numRuns: 3000, seed: SEED + 1 },
    );
  });

  it('usage, timings and timing headers from any JSON are whole counts and finite durations, or nothing', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.dictionary(fc.string(), fc.string()), (payload, headers) => {
        const usage = readUsage(payload);
        if (usage) assert.ok(countOk(usage.promptTokens) && countOk(usage.completionTokens));
        for (const timing of [
          timingFromLlamacpp(payload),
          timingFromTgiHeaders({ ...headers, 'x-queue-time': headers.q ?? '' }),
        ]) {
          if (!timing) continue;
          assert.ok(Number.isFinite(timing.prefillMs) && timing.prefillMs >= 0);
          assert.ok(Number.isFinite(timing.decodeMs) && timing.decodeMs >= 0);
          assert.ok(countOk(timing.generatedTokens));
        }
      }),
      { numRuns: 4000, seed: SEED + 2 },
    );
  });
});
