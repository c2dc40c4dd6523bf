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
});
