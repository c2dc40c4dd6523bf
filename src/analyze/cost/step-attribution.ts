/**
 * Sharing one engine step's cost among the requests in its batch (docs/cost.md).
 *
 * A step costs its duration × the replica's GPUs × price. The step's time is split between its
 * prefill work and its decode work in proportion to their roofline times (prefill is compute-bound:
 * FLOPs ÷ FLOP rate; decode is memory-bound: bytes read ÷ bandwidth). Then:
 *  - the prefill part is shared by FLOPs: each chunk's 2 × params × tokens + attention FLOPs;
 *  - the decode part is shared by bytes read: every decoding sequence shares the weights read once
 *    for the whole batch equally, and pays for its own KV cache read.
 * Shares always add up to the step's cost (conservation).
 */
export interface StepShareInput {
  costUsd: number;
  /** Prefill FLOPs per chunk in the batch, by sequence key. */
  prefillFlops: ReadonlyMap<string, number>;
  /** KV bytes each decoding sequence reads this step, by sequence key. */
  decodeKvBytes: ReadonlyMap<string, number>;
  /** Weight bytes the step reads (once for the whole batch). */
  weightBytes: number;
  flopsPerSecond: number;
  bytesPerSecond: number;
}

interface StepSplit {
  prefillCost: number;
  decodeCost: number;
  totalFlops: number;
  totalKv: number;
}

/** The step's cost split between its prefill and decode work by their roofline times. */
function splitStep(input: StepShareInput): StepSplit | null {
  const totalFlops = [...input.prefillFlops.values()].reduce((a, b) => a + b, 0);
  const totalKv = [...input.decodeKvBytes.values()].reduce((a, b) => a + b, 0);
  const prefillTime = totalFlops / input.flopsPerSecond;
  const decodeTime = input.decodeKvBytes.size > 0 ? (input.weightBytes + totalKv) / input.bytesPerSecond : 0;
  const both = prefillTime + decodeTime;
  if (both <= 0) return null;
  const prefillCost = (input.costUsd * prefillTime) / both;
  return { prefillCost, decodeCost: input.costUsd - prefillCost, totalFlops, totalKv };
}

export function shareStepCost(input: StepShareInput): Map<string, number> {
  const shares = new Map<string, number>();
  const split = splitStep(input);
  if (!split) return shares;
  const { prefillCost, decodeCost, totalFlops, totalKv } = split;
  for (const [key, flops] of input.prefillFlops)
    shares.set(key, (shares.get(key) ?? 0) + (prefillCost * flops) / totalFlops);
  const decoding = input.decodeKvBytes.size;
  const decodeBytes = input.weightBytes + totalKv;
  for (const [key, kv] of input.decodeKvBytes) {
    shares.set(
      key,
      (shares.get(key) ?? 0) + (decodeCost * (input.weightBytes / decoding + kv)) / decodeBytes,
    );
  }
  return shares;
}

/**
 * What one prefill FLOP cost in this step; 0 when the step prefilled nothing. Prices the FLOPs a
 * prefix-cache hit did not have to spend (cache savings).
 */
export function prefillUsdPerFlop(input: StepShareInput): number {
  const split = splitStep(input);
  return split && split.totalFlops > 0 ? split.prefillCost / split.totalFlops : 0;
}
