/**
 * Model cards: the architecture numbers the roofline and KV-cache models need. From each
 * model's published config.json / paper (Llama 3 model card; Qwen/Qwen2.5-32B config.json:
 * 64 layers, hidden 5120, 40 heads, 8 KV heads; Mixtral paper: 46.7B total, 12.9B active).
 */
export interface ModelCard {
  /** Short id used across KubeBurner (`model` label). */
  id: string;
  /** Name the engine serves it as (`model_name` label, OpenAI `model`). */
  servedName: string;
  params: number;
  /** Parameters used per token (differs from params for mixture-of-experts). */
  activeParams: number;
  /** MoE only: parameters in expert FFNs, and experts chosen per token out of how many. */
  moe?: { expertParams: number; experts: number; expertsPerToken: number };
  layers: number;
  hidden: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  maxModelLen: number;
  /** Emits hidden reasoning tokens before visible output. */
  reasoning: boolean;
}

export const MODEL_CARDS: Record<string, ModelCard> = {
  'llama-3-8b': {
    id: 'llama-3-8b',
    servedName: 'meta-llama/Meta-Llama-3-8B-Instruct',
    params: 8.03e9,
    activeParams: 8.03e9,
    layers: 32,
    hidden: 4096,
    heads: 32,
    kvHeads: 8,
    headDim: 128,
    maxModelLen: 8192,
    reasoning: false,
  },
  'llama-3-70b': {
    id: 'llama-3-70b',
    servedName: 'meta-llama/Meta-Llama-3-70B-Instruct',
    params: 70.6e9,
    activeParams: 70.6e9,
    layers: 80,
    hidden: 8192,
    heads: 64,
    kvHeads: 8,
    headDim: 128,
    maxModelLen: 8192,
    reasoning: false,
  },
  'qwen2.5-32b': {
    id: 'qwen2.5-32b',
    servedName: 'Qwen/Qwen2.5-32B-Instruct',
    params: 32.5e9,
    activeParams: 32.5e9,
    layers: 64,
    hidden: 5120,
    heads: 40,
    kvHeads: 8,
    headDim: 128,
    maxModelLen: 32768,
    // Served as a reasoning model in the demo (think tokens before the answer).
    reasoning: true,
  },
  'mixtral-8x7b': {
    id: 'mixtral-8x7b',
    servedName: 'mistralai/Mixtral-8x7B-Instruct-v0.1',
    params: 46.7e9,
    activeParams: 12.9e9,
    // 8 experts of ≈5.6e9 each (46.7e9 total − 1.6e9 shared) / 8 ≈ 5.64e9; 2 chosen per token.
    moe: { expertParams: 45.1e9, experts: 8, expertsPerToken: 2 },
    layers: 32,
    hidden: 4096,
    heads: 32,
    kvHeads: 8,
    headDim: 128,
    maxModelLen: 32768,
    reasoning: false,
  },
};

/** KV bytes per token: K and V × layers × KV heads × head dim × 2 bytes (BF16). */
export function kvBytesPerToken(card: ModelCard): number {
  return 2 * card.layers * card.kvHeads * card.headDim * 2;
}

export function weightBytes(card: ModelCard): number {
  return card.params * 2;
}
