import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SseTap } from './sse-tap.ts';

const event = (payload: unknown) => `data: ${JSON.stringify(payload)}\n\n`;
const delta = (d: Record<string, string>) => event({ choices: [{ index: 0, delta: d }] });
const usage = event({
  choices: [],
  usage: { prompt_tokens: 7, completion_tokens: 3, completion_tokens_details: { reasoning_tokens: 1 } },
});

describe('SSE tap', () => {
  it('times the first token after the role chunk, and the first visible one after reasoning', () => {
    const tap = new SseTap(false);
    tap.push(Buffer.from(delta({ role: 'assistant', content: '' })), 0);
    tap.push(Buffer.from(delta({ reasoning_content: 'hmm' })), 30);
    tap.push(Buffer.from(delta({ content: 'Hi' })), 70);
    tap.push(Buffer.from(delta({ content: '!' }) + usage + 'data: [DONE]\n\n'), 90);
    assert.equal(tap.firstTokenMs, 30);
    assert.equal(tap.firstVisibleTokenMs, 70);
    assert.equal(tap.events, 5);
    assert.equal(tap.maxGapMs, 40);
    assert.deepEqual(tap.usage, {
      promptTokens: 7,
      completionTokens: 3,
      cachedTokens: null,
      reasoningTokens: 1,
    });
  });

  it('strips the usage-only chunk even when it arrives split across reads, and forwards the rest unchanged', () => {
    const tap = new SseTap(true);
    const whole = delta({ content: 'a' }) + usage + 'data: [DONE]\n\n';
    const cut = whole.indexOf('"usage"');
    const out = [
      tap.push(Buffer.from(whole.slice(0, cut)), 1),
      tap.push(Buffer.from(whole.slice(cut)), 2),
      tap.flush(3),
    ];
    assert.equal(Buffer.concat(out).toString('utf8'), delta({ content: 'a' }) + 'data: [DONE]\n\n');
    assert.equal(tap.usage?.completionTokens, 3);
  });

  it('passes chunks through untouched when not stripping, whatever their boundaries', () => {
    const tap = new SseTap(false);
    const chunk = Buffer.from('data: {"choices":[{"delta":{"content":"x"}}]}\n\ndata: {"cho');
    assert.equal(tap.push(chunk, 0), chunk);
    assert.equal(tap.push(Buffer.from('ices":[]}\n\n'), 1).toString(), 'ices":[]}\n\n');
    assert.equal(tap.events, 2);
  });

  // llama.cpp's last chunk when usage was asked for (recorded from the real llama-server, 2026-12-07).
  const llamacppLast = event({
    choices: [],
    created: 1796667963,
    id: 'chatcmpl-jZTC89SfJyt6cLQbPeLq5yRERcyuHe67',
    model: 'tiny.gguf',
    system_fingerprint: 'b0-unknown',
    object: 'chat.completion.chunk',
    usage: {
      completion_tokens: 4,
      prompt_tokens: 38,
      total_tokens: 42,
      prompt_tokens_details: { cached_tokens: 0 },
    },
    timings: { cache_n: 0, prompt_n: 38, prompt_ms: 215.527, predicted_n: 4, predicted_ms: 62.911 },
  });

  it("reads llama.cpp's timings, and removes only the usage it added, never the engine's timings", () => {
    const tap = new SseTap(true);
    const out = Buffer.concat([
      tap.push(Buffer.from(delta({ content: 'a' }) + llamacppLast), 40),
      tap.flush(41),
    ]);
    const forwarded = JSON.parse(out.toString().split('\n\n')[1]!.slice('data: '.length)) as Record<
      string,
      unknown
    >;
    assert.equal(forwarded.usage, undefined);
    assert.deepEqual(forwarded.timings, {
      cache_n: 0,
      prompt_n: 38,
      prompt_ms: 215.527,
      predicted_n: 4,
      predicted_ms: 62.911,
    });
    assert.equal(tap.timing?.prefillMs, 215.527);
    assert.equal(tap.timing?.decodeMs, 62.911);
    assert.equal(tap.timing?.generatedTokens, 4);
    assert.equal(tap.timingAtMs, 40);
    assert.equal(tap.usage?.promptTokens, 38);
  });

  it('keeps characters whole when a network chunk ends inside one (emoji, CJK)', () => {
    const tap = new SseTap(true);
    const whole = Buffer.from(delta({ content: '🔥 火' }) + usage + 'data: [DONE]\n\n');
    const out: Buffer[] = [];
    // Cut after every byte: every multi-byte character is split somewhere.
    for (let i = 0; i < whole.length; i++) out.push(tap.push(whole.subarray(i, i + 1), i));
    out.push(tap.flush(whole.length));
    assert.equal(Buffer.concat(out).toString('utf8'), delta({ content: '🔥 火' }) + 'data: [DONE]\n\n');
  });
});
