import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GPUS } from './hardware.ts';
import { MODEL_CARDS, kvBytesPerToken } from './model-cards.ts';
import { kvCacheBlocks, stepTime, weightBytesRead, type RooflineParams } from './roofline.ts';

const llama8b = MODEL_CARDS['llama-3-8b']!;
const llama70b = MODEL_CARDS['llama-3-70b']!;
const exact: RooflineParams = {
  flopsEfficiency: 0.65,
  bandwidthEfficiency: 0.8,
  stepOverheadUs: 0,
  allReduceLatencyUs: 0,
};

function near(actual: number, expected: number, relative = 1e-9): void {
  assert.ok(Math.abs(actual - expected) <= relative * Math.abs(expected), `${actual} ≠ ${expected}`);
}

describe('roofline timing model', () => {
  it('has the KV sizes of the reference: 128 KiB/token for Llama-3-8B, 320 KiB for 70B', () => {
    assert.equal(kvBytesPerToken(llama8b), 128 * 1024);
    assert.equal(kvBytesPerToken(llama70b), 320 * 1024);
  });

  it('times a Llama-3-8B decode step on one H100 as memory-bound (hand-computed)', () => {
    // 8 sequences with 1024 tokens of context each:
    // bytes = 8.03e9 × 2 + 8 × 1024 × 131072 = 16.06e9 + 1.073741824e9 = 17.133741824e9
    // memory = 17.133741824e9 / (3.35e12 × 0.8) s = 6393.1873 µs
    // flops = 2 × 8.03e9 × 8 + 4 × 32 × 4096 × 8192 = 1.2848e11 + 4.294967296e9
    // compute = 1.32774967296e11 / (989e12 × 0.65) s = 206.5353 µs
    const t = stepTime(
      { prefillTokens: 0, prefillAttentionContext: 0, decodeSeqs: 8, decodeContextTokens: 8 * 1024 },
      llama8b,
      GPUS.H100,
      1,
      exact,
    );
    near(t.memoryUs, (17.133741824e9 / (3.35e12 * 0.8)) * 1e6);
    near(t.computeUs, (1.32774967296e11 / (989e12 * 0.65)) * 1e6);
    near(t.totalUs, 6393.187247761, 1e-9); // 17.133741824 ÷ 2.68 = 6.393187247761 ms
    assert.equal(t.communicationUs, 0);
  });

  it('times a 2048-token Llama-3-8B prefill on one H100 as compute-bound (hand-computed)', () => {
    // attention context Σ 1..2048 = 2,098,176
    // flops = 2 × 8.03e9 × 2048 + 4 × 32 × 4096 × 2,098,176 = 3.289088e13 + 1.100048498688e12
    // compute = 3.3990928498688e13 / 6.4285e14 s = 52875.5986 µs; memory = 16.06e9 / 2.68e12 s = 5992.5 µs
    const t = stepTime(
      { prefillTokens: 2048, prefillAttentionContext: 2_098_176, decodeSeqs: 0, decodeContextTokens: 0 },
      llama8b,
      GPUS.H100,
      1,
      exact,
    );
    near(t.computeUs, (3.3990928498688e13 / 6.4285e14) * 1e6);
    near(t.memoryUs, (16.06e9 / 2.68e12) * 1e6);
    near(t.totalUs, t.computeUs);
  });

  it('divides work over tensor-parallel GPUs and adds two all-reduces per layer', () => {
    const work = {
      prefillTokens: 0,
      prefillAttentionContext: 0,
      decodeSeqs: 16,
      decodeContextTokens: 16 * 2000,
    };
    const tp4 = stepTime(work, llama70b, GPUS.H100, 4, { ...exact, allReduceLatencyUs: 8 });
    // 16 tokens × 8192 × 2 B × 2·3/4 = 393,216 B per all-reduce; /900e9 B/s = 0.436907 µs; +8 µs
    near(tp4.communicationUs, 2 * 80 * (8 + (393_216 / 900e9) * 1e6));
    const tp1Memory = stepTime(work, llama70b, GPUS.H200, 1, exact).memoryUs;
    const tp2Memory = stepTime(work, llama70b, GPUS.H200, 2, exact).memoryUs;
    near(tp2Memory, tp1Memory / 2);
  });

  it('reads only the touched experts of a mixture-of-experts model', () => {
    const mixtral = MODEL_CARDS['mixtral-8x7b']!;
    // One token touches 2 of 8 experts: shared 1.6e9 + 45.1e9 × 0.25 params.
    near(weightBytesRead(mixtral, 1), (1.6e9 + 45.1e9 * 0.25) * 2, 1e-6);
    assert.ok(weightBytesRead(mixtral, 64) > 0.99 * mixtral.params * 2);
  });

  it('sizes the KV cache from memory left after weights, and refuses a model that does not fit', () => {
    // 4 × 80 GB × 0.9 − 141.2 GB − 4 × 2 GB = 138.8 GB; / (16 × 327,680 B) = 26,473 blocks
    assert.equal(kvCacheBlocks(llama70b, GPUS.H100, 4, 16), Math.floor(138.8e9 / (16 * 327_680)));
    assert.throws(() => kvCacheBlocks(llama70b, GPUS.H100, 1, 16), /does not fit on 1× H100/);
  });
});
