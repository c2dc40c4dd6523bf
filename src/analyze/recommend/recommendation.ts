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
   * proposed only for an engine whose flags are known here (vLLM). Undefined: the caller says it
   * is vLLM; null: not recognised, so no engine flags.
   */
  engine?: string | null;
}

function id(change: Change, windowStartUs: number): string {
  return `rec-${createHash('sha256')
    .update(JSON.stringify(change) + windowStartUs)
    .digest('hex')
    .slice(0, 12)}`;
}

const num = (v: string | undefined, fallback: number) => {
  const n = Number(v);
  return Number.isFinite(n) ? n : fallback;
};

/**
 * Turns ranked causes into proposed changes for one workload. Nothing here changes anything: a
 * person previews, applies and can roll back each one (file-target.ts).
 *  - queue saturation: add replicas in proportion to the load rise (at most doubling);
 *  - KV-cache pressure: give the KV cache more memory (vLLM --gpu-memory-utilization, up to 0.95),
 *    or, when already there, admit fewer sequences (--max-num-seqs −25 %);
 *  - batch fragmentation: cap the sequences per step so tiny requests queue briefly and batch
 *    together (--max-num-seqs −50 %) — and a rate limit for the tenant at the gateway.
 * Other causes (a straggler GPU, a crashed replica, cache-unfriendly tenants) need a person at
 * the node or the routing and are reported, not patched. Engine flags are vLLM's: on a workload
 * that runs another engine only the scaling change is proposed.
 */
export function recommend(
  comparison: WindowComparison,
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
  // vLLM's flags on another engine would stop its pods from starting: those get scaling only.
  const vllm = facts.engine === undefined || facts.engine === 'vllm';
  const fewerSeqs = (cause: RankedCause, factor: number, verb: string, effect: string) => {
    if (!vllm) return;
    const seqs = num(facts.engineArgs['--max-num-seqs'], 256);
    const value = String(Math.max(8, Math.floor(seqs * factor)));
    add(
      cause,
      `${verb} ${facts.workload}: --max-num-seqs ${seqs} → ${value}`,
      { kind: 'set_engine_arg', workload: facts.workload, flag: '--max-num-seqs', value },
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
    if (cause.cause === 'kv_pressure' && vllm) {
      const current = num(facts.engineArgs['--gpu-memory-utilization'], 0.9);
      if (current < 0.95) {
        const value = Math.min(0.95, Math.round((current + 0.05) * 100) / 100).toFixed(2);
        add(
          cause,
          `Give ${facts.workload}'s KV cache more memory: --gpu-memory-utilization ${current} → ${value}`,
          { kind: 'set_engine_arg', workload: facts.workload, flag: '--gpu-memory-utilization', value },
          'more KV blocks per replica: fewer preemptions under long contexts (restarts the pods)',
        );
      } else
        fewerSeqs(
          cause,
          0.75,
          'Admit fewer sequences on',
          'fewer running sequences share the KV cache: fewer preemptions, more queueing',
        );
    }
    if (cause.cause === 'batch_fragmentation')
      fewerSeqs(
        cause,
        0.5,
        'Batch tiny requests on',
        'steps carry fewer, fuller sequences; also rate-limit the chatty tenant at the gateway',
      );
  }
  return out;
}
