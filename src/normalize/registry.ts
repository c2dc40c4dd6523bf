import type { MetricFamily } from '../collect/scrape/exposition.ts';
import type { SignalSource } from '../model/engine.ts';
import type { EngineAdapter } from './adapter.ts';
import { dcgmAdapter } from './dcgm.ts';
import { llamacppAdapter } from './llamacpp.ts';
import { sglangAdapter } from './sglang.ts';
import { tgiAdapter } from './tgi.ts';
import { tritonAdapter } from './triton.ts';
import { trtllmAdapter } from './trtllm.ts';
import { vllmAdapter } from './vllm.ts';

/** Every engine adapter. Adding an engine = one file and one line here. */
export const ADAPTERS: readonly EngineAdapter[] = [
  vllmAdapter,
  sglangAdapter,
  trtllmAdapter,
  tritonAdapter,
  llamacppAdapter,
  tgiAdapter,
  dcgmAdapter,
];

export function adapterFor(source: SignalSource): EngineAdapter | undefined {
  return ADAPTERS.find((a) => a.source === source);
}

/** The engine an exposition most likely came from (metric prefixes and label sets), or null. */
export function detectEngine(families: readonly MetricFamily[]): EngineAdapter | null {
  let best: EngineAdapter | null = null;
  let bestScore = 0;
  for (const adapter of ADAPTERS) {
    const score = adapter.detect(families);
    if (score > bestScore) {
      best = adapter;
      bestScore = score;
    }
  }
  return bestScore >= 0.5 ? best : null;
}
