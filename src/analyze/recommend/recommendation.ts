import { createHash } from 'node:crypto';
import type { Evidence, RankedCause, WindowComparison } from '../rca/compare-windows.ts';

/** A change to a workload's manifest, precise enough to preview as a diff and to undo. */
export type Change =
  | { kind: 'set_replicas'; workload: string; replicas: number }
  | { kind: 'set_engine_arg'; workload: string; flag: string; value: string };

export interface Recommendation {
  /** Stable for the same change on the same evidence window (so it is not proposed twice). */
  id: string;
  title: string;
  /** Why: the cause it answers and the evidence behind it. */
  cause: RankedCause['cause'];
  evidence: Evidence[];
  change: Change;
  /** What the change should do, in words a reviewer can check. */
  expectedEffect: string;
  createdAtUs: number;
}

/** What a recommendation needs to know about the workload it would change. */
export interface WorkloadFacts {
  workload: string;
  replicas: number;
  engineArgs: Record<string, string>;
  /**
   * The engine the manifest runs, from its image and command (file-target.ts); engine flags are
   * proposed only for an engine in ENGINE_KNOBS. Undefined: the caller says it is vLLM; null: not
   * recognised, so no engine flags.
   */
  engine?: string | null;
}

function id(change: Change, windowStartUs: number): string {
  return `rec-${createHash('sha256')
    .update(JSON.stringify(change) + windowStartUs)
    .digest('hex')
    .slice(0, 12)}`;
}

/**
 * The engine flags a recommendation may change, per engine. A `default` is the engine's documented
 * value when the manifest does not set the flag; without one (the engine sizes it itself), the
 * flag is changed only where the manifest sets it. Engines not here (Triton's config.pbtxt, TGI,
 * llama.cpp) get the scaling change only: a flag an engine lacks stops its pods from starting.
 */
export const ENGINE_KNOBS: Record<
  string,
  {
    /** Memory for the KV cache, as a fraction; raised by 0.05 up to `max`. */
    kvMemory: { flag: string; default?: number; max: number };
    /** Sequences (requests) running at once. */
    maxRunning: { flag: string; default?: number };
  }
> = {
  // vLLM's --max-num-seqs default depends on the GPU (1024 on ≥ 70 GiB GPUs other than A100,
  // 256 on others, less on CPU): changed only where the manifest sets it.
  vllm: {
    kvMemory: { flag: '--gpu-memory-utilization', default: 0.9, max: 0.95 },
    maxRunning: { flag: '--max-num-seqs' },
  },
  // SGLang's fraction covers weights and the KV pool together: kept below the point where
  // activations run out of memory.
  sglang: {
    kvMemory: { flag: '--mem-fraction-static', max: 0.9 },
    maxRunning: { flag: '--max-running-requests' },
  },
  // trtllm-serve: a fraction of the memory left after weights and buffers (default 0.9).
  trtllm: {
    kvMemory: { flag: '--kv_cache_free_gpu_memory_fraction', default: 0.9, max: 0.95 },
    maxRunning: { flag: '--max_batch_size' },
  },
};

const num = (v: string | undefined): number | null => {
  const n = Number(v);
  return v !== undefined && v !== '' && Number.isFinite(n) ? n : null;
};

/**
 * Turns ranked causes into proposed changes for one workload. Nothing here changes anything: a
 * person previews, applies and can roll back each one (file-target.ts).
 *  - queue saturation: add replicas in proportion to the load rise (at most doubling);
 *  - KV-cache pressure: give the KV cache more memory (+0.05 up to the engine's cap), or, when
 *    already there, admit fewer sequences (−25 %);
 *  - batch fragmentation: cap the sequences per step so tiny requests queue briefly and batch
 *    together (−50 %) — and a rate limit for the tenant at the gateway.
 * Other causes (a straggler GPU, a crashed replica, cache-unfriendly tenants) need a person at
 * the node or the routing and are reported, not patched. Engine flags follow ENGINE_KNOBS.
 */
export function recommend(
  comparison: Pick<WindowComparison, 'window' | 'causes'>,
  facts: WorkloadFacts,
  nowUs: number,
): Recommendation[] {
  const out: Recommendation[] = [];
  const windowStart = comparison.window.fromUs;
  const add = (cause: RankedCause, title: string, change: Change, expectedEffect: string) =>
    out.push({
      id: id(change, windowStart),
      title,
      cause: cause.cause,
      evidence: cause.evidence,
      change,
      expectedEffect,
      createdAtUs: nowUs,
    });
  // Undefined: the caller knows the workload runs vLLM; null: not recognised.
  const knobs = ENGINE_KNOBS[facts.engine === undefined ? 'vllm' : (facts.engine ?? '')];
  const setting = (knob: { flag: string; default?: number }) =>
    num(facts.engineArgs[knob.flag]) ?? knob.default ?? null;
  const fewerRunning = (cause: RankedCause, factor: number, verb: string, effect: string) => {
    if (!knobs) return;
    const current = setting(knobs.maxRunning);
    if (current === null) return;
    const value = String(Math.max(8, Math.floor(current * factor)));
    const flag = knobs.maxRunning.flag;
    add(
      cause,
      `${verb} ${facts.workload}: ${flag} ${current} → ${value}`,
      { kind: 'set_engine_arg', workload: facts.workload, flag, value },
      effect,
    );
  };
  for (const cause of comparison.causes.filter((c) => c.score >= 0.3)) {
    if (cause.cause === 'queue_saturation') {
      const rate = cause.evidence.find((e) => e.metric === 'arrival rate')?.ratio ?? 1.5;
      const replicas = Math.min(
        facts.replicas * 2,
        Math.max(facts.replicas + 1, Math.ceil(facts.replicas * rate)),
      );
      add(
        cause,
        `Scale ${facts.workload} from ${facts.replicas} to ${replicas} replicas`,
        { kind: 'set_replicas', workload: facts.workload, replicas },
        `arrivals rose ${rate.toFixed(1)}×; ${replicas} replicas bring the load per replica back near the baseline`,
      );
    }
    if (cause.cause === 'kv_pressure' && knobs) {
      const { flag, max } = knobs.kvMemory;
      const current = setting(knobs.kvMemory);
      if (current !== null && current < max) {
        const value = Math.min(max, Math.round((current + 0.05) * 100) / 100).toFixed(2);
        add(
          cause,
          `Give ${facts.workload}'s KV cache more memory: ${flag} ${current} → ${value}`,
          { kind: 'set_engine_arg', workload: facts.workload, flag, value },
          'more KV blocks per replica: fewer preemptions under long contexts (restarts the pods)',
        );
      } else
        fewerRunning(
          cause,
          0.75,
          'Admit fewer sequences on',
          'fewer running sequences share the KV cache: fewer preemptions, more queueing',
        );
    }
    if (cause.cause === 'batch_fragmentation')
      fewerRunning(
        cause,
        0.5,
        'Batch tiny requests on',
        'steps carry fewer, fuller sequences; also rate-limit the chatty tenant at the gateway',
      );
  }
  return out;
}
