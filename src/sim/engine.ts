import { EngineStats } from './engine-stats.ts';
import { GPUS, type GpuType } from './hardware.ts';
import { KvBlockPool } from './kv-cache.ts';
import { prefillUsdPerFlop, shareStepCost } from '../analyze/cost/step-attribution.ts';
import { kvBytesPerToken, type ModelCard } from './model-cards.ts';
import {
  DEFAULT_ROOFLINE,
  NO_SLOWDOWN,
  kvCacheBlocks,
  stepTime,
  weightBytesRead,
  type RooflineParams,
  type StepSlowdown,
} from './roofline.ts';

export type ImitatedEngine = 'vllm' | 'sglang' | 'trtllm' | 'triton' | 'llamacpp';

export interface ReplicaConfig {
  replica: string;
  engine: ImitatedEngine;
  card: ModelCard;
  gpuType: GpuType;
  tensorParallel: number;
  blockSize: number;
  maxNumSeqs: number;
  /** Token budget per step (vLLM max_num_batched_tokens); prompts longer than it are chunked. */
  maxNumBatchedTokens: number;
  gpuMemoryUtilization: number;
  prefixCaching: boolean;
  roofline: RooflineParams;
  /** Override the KV capacity (tests, or a fault that shrinks it); default derived from memory. */
  kvBlocks?: number;
  /** What one GPU of this replica costs per hour (from the price book); 0 leaves costs at zero. */
  usdPerGpuHour: number;
  /**
   * vLLM's `--kv-cache-metrics-sample`: the share of KV blocks whose residency is recorded and
   * exported; null when the engine does not export it (vLLM needs `--kv-cache-metrics`).
   */
  kvCacheMetricsSample: number | null;
}

export function replicaConfig(
  fields: Pick<ReplicaConfig, 'replica' | 'engine' | 'card' | 'gpuType' | 'tensorParallel'> &
    Partial<ReplicaConfig>,
): ReplicaConfig {
  return {
    blockSize: 16,
    maxNumSeqs: fields.engine === 'llamacpp' ? 4 : 256,
    maxNumBatchedTokens: fields.engine === 'llamacpp' ? 2048 : 8192,
    gpuMemoryUtilization: 0.9,
    prefixCaching: true,
    roofline: DEFAULT_ROOFLINE,
    usdPerGpuHour: 0,
    // vLLM's default sample is 0.01; the simulated replicas are small, so 10 % keeps the histograms full.
    kvCacheMetricsSample: fields.engine === 'vllm' ? 0.1 : null,
    ...fields,
  };
}

export interface SimRequestSpec {
  requestId: string;
  tenant: string;
  team: string;
  promptTokens: number;
  /** Hashes of the prompt's full blocks in order; shared system prompts give equal leading hashes. */
  promptBlockHashes: readonly number[];
  /** Tokens the model generates before it stops (≤ maxTokens; equal means finish reason length). */
  outputTokens: number;
  maxTokens: number;
  /** Hidden reasoning tokens at the start of the output. */
  reasoningTokens: number;
  promptFamily: string | null;
  traceId: string;
  parentSpanId: string | null;
  /** The calling app traces its calls: `parentSpanId` is its GenAI client span (traces.ts). */
  callerTraced?: boolean;
  /** Frontend arrival (before tokenization). */
  arrivalUs: number;
  listener?: SequenceListener;
}

export interface SequenceListener {
  onTokens(count: number, nowUs: number): void;
  onFinish(result: FinishedSequence): void;
}

export type FinishReason = 'stop' | 'length' | 'abort' | 'error';

export interface FinishedSequence {
  spec: SimRequestSpec;
  replica: string;
  finishReason: FinishReason;
  arrivalUs: number;
  queuedUs: number;
  /** -1 when never scheduled / no token. */
  firstScheduledUs: number;
  firstTokenUs: number;
  lastTokenUs: number;
  finishedUs: number;
  generated: number;
  /** When the first token after the hidden reasoning tokens came out; -1 when none did. */
  firstVisibleTokenUs: number;
  cachedPromptTokens: number;
  preemptions: number;
  /** Time lost to preemptions: from each preemption until recompute caught up again. */
  preemptionWaitUs: number;
  /** This request's share of the GPU time of every step it was in (docs/cost.md). */
  cost: SequenceCost;
  /** What computing its cached prompt tokens would have cost in its first prefill step; null without a hit. */
  cacheSavingsUsd: number | null;
}

export interface SequenceCost {
  prefillUsd: number;
  decodeUsd: number;
  /** Prefill steps that recomputed what a preemption threw away. */
  recomputeUsd: number;
}

/** Time the frontend spends tokenizing before the engine queues a request (µs). */
export function tokenizeUs(promptTokens: number): number {
  return 150 + Math.round(promptTokens * 0.02);
}
/** Time from the engine's output to the frontend processing it (detokenize, IPC). */
export const OUTPUT_PROCESSING_US = 80;

class Sequence {
  queuedUs: number;
  firstScheduledUs = -1;
  firstTokenUs = -1;
  lastTokenUs = -1;
  /** Tokens whose KV is stored. */
  kvTokens = 0;
  generated = 0;
  cachedPromptTokens = 0;
  firstVisibleTokenUs = -1;
  cacheSavingsUsd: number | null = null;
  admittedBefore = false;
  recomputing = false;
  preemptions = 0;
  preemptedAtUs = -1;
  preemptionWaitUs = 0;
  readonly hashed: number[] = [];
  anonymous = 0;
  finished = false;
  readonly cost: SequenceCost = { prefillUsd: 0, decodeUsd: 0, recomputeUsd: 0 };

  constructor(
    readonly spec: SimRequestSpec,
    queuedUs: number,
  ) {
    this.queuedUs = queuedUs;
  }

  /** KV tokens to reach before decoding: the prompt, plus generated tokens after a preemption. */
  get prefillTarget(): number {
    return this.spec.promptTokens + (this.recomputing ? this.generated : 0);
  }

  get heldBlocks(): number {
    return this.hashed.length + this.anonymous;
  }
}

interface PlannedWork {
  seq: Sequence;
  tokens: number;
  prefill: boolean;
  /** This work's share of the step's cost, and where it goes. */
  shareUsd?: number;
  recompute?: boolean;
}

/** One simulated engine replica: scheduler, KV cache and timing. Time only moves when told. */
export class EngineReplica {
  readonly pool: KvBlockPool;
  readonly stats: EngineStats;
  readonly waiting: Sequence[] = [];
  readonly running: Sequence[] = [];
  private plan: PlannedWork[] = [];
  stepStartUs = -1;
  /** When the step in progress ends; -1 when idle. */
  stepEndUs = -1;
  slowdown: StepSlowdown = NO_SLOWDOWN;
  /** While down (crashed, loading the model) the replica accepts nothing; -1 when up. */
  downUntilUs = -1;
  lastStepUs = 0;
  /** Cost accounting (docs/cost.md): allocated GPU time is either in a step (attributed) or idle. */
  readonly startUs: number;
  private lastStepEndUs: number;
  private stepCostUsd = 0;
  attributedUsd = 0;
  busyUs = 0;
  idleUs = 0;

  constructor(
    readonly config: ReplicaConfig,
    nowUs: number,
  ) {
    const gpu = GPUS[config.gpuType];
    const blocks =
      config.kvBlocks ??
      kvCacheBlocks(config.card, gpu, config.tensorParallel, config.blockSize, config.gpuMemoryUtilization);
    this.pool = new KvBlockPool(blocks, config.blockSize, config.prefixCaching);
    this.stats = new EngineStats(config.card.maxModelLen, nowUs / 1e6, config.engine);
    if (config.kvCacheMetricsSample !== null)
      this.pool.residency = {
        sample: config.kvCacheMetricsSample,
        lifetime: this.stats.kvBlockLifetime,
        idleBeforeEvict: this.stats.kvBlockIdleBeforeEvict,
        reuseGap: this.stats.kvBlockReuseGap,
      };
    this.startUs = nowUs;
    this.lastStepEndUs = nowUs;
  }

  /** Cost of one GPU-microsecond of this replica (all its TP GPUs). */
  private get usdPerMicrosecond(): number {
    return (this.config.usdPerGpuHour * this.config.tensorParallel) / 3.6e9;
  }

  /**
   * Where the allocated GPU time went up to `nowUs`: steps (attributed to requests), the step in
   * progress (its elapsed part, not yet attributed), and idle (no step running, or down).
   */
  costSnapshot(nowUs: number): {
    allocatedUsd: number;
    attributedUsd: number;
    inProgressUsd: number;
    idleUsd: number;
  } {
    const rate = this.usdPerMicrosecond;
    const inProgressUs = this.stepEndUs >= 0 ? nowUs - this.stepStartUs : 0;
    const idleUs = this.idleUs + (this.stepEndUs >= 0 ? 0 : nowUs - this.lastStepEndUs);
    return {
      allocatedUsd: (nowUs - this.startUs) * rate,
      attributedUsd: this.attributedUsd,
      inProgressUsd: inProgressUs * rate,
      idleUsd: idleUs * rate,
    };
  }

  /** Cost so far of the requests still in the engine (running or waiting). */
  inFlightCostUsd(): number {
    let sum = 0;
    for (const seq of [...this.running, ...this.waiting])
      sum += seq.cost.prefillUsd + seq.cost.decodeUsd + seq.cost.recomputeUsd;
    return sum;
  }

  get idle(): boolean {
    return this.stepEndUs < 0;
  }

  get hasWork(): boolean {
    return this.running.length > 0 || this.waiting.length > 0;
  }

  isUp(nowUs: number): boolean {
    return this.downUntilUs < 0 || nowUs >= this.downUntilUs;
  }

  /** Queues a request that has been tokenized (call at arrival + tokenizeUs). */
  enqueue(spec: SimRequestSpec, nowUs: number): void {
    this.waiting.push(new Sequence(spec, nowUs));
  }

  /**
   * Runs this replica on its own, step after step, until it has nothing to do (tests and
   * benchmarks; the fleet interleaves replicas on its clock instead). Returns the sequences that
   * finished and the time it went idle.
   */
  runUntilIdle(startUs: number, maxSteps = 1_000_000): { finished: FinishedSequence[]; nowUs: number } {
    const finished: FinishedSequence[] = [];
    let now = startUs;
    for (let step = 0; step < maxSteps; step++) {
      const duration = this.beginStep(now);
      if (duration < 0) return { finished, nowUs: now };
      now += duration;
      finished.push(...this.endStep(now));
    }
    throw new Error(`${this.config.replica}: still busy after ${maxSteps} steps`);
  }

  /** Decides the next step at nowUs. Returns its duration in µs, or -1 if there is nothing to do. */
  beginStep(nowUs: number): number {
    this.pool.nowUs = nowUs;
    if (!this.idle) throw new Error(`${this.config.replica}: step already in progress`);
    if (!this.isUp(nowUs) || !this.hasWork) return -1;
    let budget = this.config.maxNumBatchedTokens;
    const plan: PlannedWork[] = [];
    let preempted = false;
    for (let i = 0; i < this.running.length && budget > 0;) {
      const seq = this.running[i] as Sequence;
      const prefill = seq.kvTokens < seq.prefillTarget;
      const tokens = prefill ? Math.min(seq.prefillTarget - seq.kvTokens, budget) : 1;
      while (!this.canGrow(seq, seq.kvTokens + tokens)) {
        // Out of KV blocks: preempt the most recently admitted sequence (vLLM's recompute policy).
        const victim = this.running[this.running.length - 1] as Sequence;
        this.preempt(victim, nowUs);
        preempted = true;
        if (victim === seq) break;
      }
      if (seq.finished || this.running[i] !== seq) continue; // seq itself was preempted
      this.grow(seq, seq.kvTokens + tokens);
      plan.push({ seq, tokens, prefill });
      budget -= tokens;
      i++;
    }
    // Admit waiting requests only when nothing was preempted this step (as vLLM does).
    while (
      !preempted &&
      budget > 0 &&
      this.waiting.length > 0 &&
      this.running.length < this.config.maxNumSeqs
    ) {
      const seq = this.waiting[0] as Sequence;
      const work = this.admit(seq, budget, nowUs);
      if (!work) break;
      this.waiting.shift();
      this.running.push(seq);
      plan.push(work);
      budget -= work.tokens;
    }
    if (plan.length === 0) return -1;
    let prefillTokens = 0;
    let prefillAttentionContext = 0;
    let decodeSeqs = 0;
    let decodeContextTokens = 0;
    for (const work of plan) {
      if (work.prefill) {
        const before = work.seq.kvTokens - work.tokens;
        prefillTokens += work.tokens;
        prefillAttentionContext += work.tokens * before + (work.tokens * (work.tokens + 1)) / 2;
      } else {
        decodeSeqs++;
        decodeContextTokens += work.seq.kvTokens;
      }
    }
    const time = stepTime(
      { prefillTokens, prefillAttentionContext, decodeSeqs, decodeContextTokens },
      this.config.card,
      GPUS[this.config.gpuType],
      this.config.tensorParallel,
      this.config.roofline,
      this.slowdown,
    );
    const durationUs = Math.max(1, Math.round(time.totalUs));
    this.attributeStep(plan, durationUs);
    this.idleUs += nowUs - this.lastStepEndUs;
    this.plan = plan;
    this.stepStartUs = nowUs;
    this.stepEndUs = nowUs + durationUs;
    const seconds = durationUs / 1e6;
    this.stats.steps++;
    this.stats.busySeconds += seconds;
    this.stats.busySlotSteps += plan.length;
    this.stats.prefillSecondsTotal += (seconds * prefillTokens) / (prefillTokens + decodeSeqs);
    this.stats.decodeSecondsTotal += (seconds * decodeSeqs) / (prefillTokens + decodeSeqs);
    const tp = this.config.tensorParallel;
    if (tp > 1) {
      const tokens = prefillTokens + decodeSeqs;
      this.stats.interconnectBytes +=
        2 * this.config.card.layers * tokens * this.config.card.hidden * 2 * ((2 * (tp - 1)) / tp);
    }
    return durationUs;
  }

  /** Shares the step's cost among its work by roofline time (analyze/cost/step-attribution.ts). */
  private attributeStep(plan: PlannedWork[], durationUs: number): void {
    const { card, gpuType, tensorParallel, roofline } = this.config;
    const gpu = GPUS[gpuType];
    const prefillFlops = new Map<string, number>();
    const decodeKvBytes = new Map<string, number>();
    let tokens = 0;
    plan.forEach((work, i) => {
      tokens += work.prefill ? work.tokens : 1;
      if (work.prefill) {
        const before = work.seq.kvTokens - work.tokens;
        const attention = work.tokens * before + (work.tokens * (work.tokens + 1)) / 2;
        prefillFlops.set(
          String(i),
          2 * card.activeParams * work.tokens + 4 * card.layers * card.hidden * attention,
        );
      } else {
        decodeKvBytes.set(String(i), work.seq.kvTokens * kvBytesPerToken(card));
      }
      work.recompute = work.prefill && work.seq.recomputing;
    });
    this.stepCostUsd = durationUs * this.usdPerMicrosecond;
    const step = {
      costUsd: this.stepCostUsd,
      prefillFlops,
      decodeKvBytes,
      weightBytes: weightBytesRead(card, tokens),
      flopsPerSecond: gpu.bf16Tflops * 1e12 * roofline.flopsEfficiency * tensorParallel,
      bytesPerSecond: gpu.memoryBandwidthBytesPerSec * roofline.bandwidthEfficiency * tensorParallel,
    };
    const shares = shareStepCost(step);
    plan.forEach((work, i) => (work.shareUsd = shares.get(String(i)) ?? 0));
    this.priceCacheHits(plan, prefillUsdPerFlop(step));
  }

  /**
   * A request's first prefill chunk skips its cached prefix. What those tokens would have cost
   * (their FLOPs, attention included, at this step's prefill price per FLOP) is its cache saving.
   */
  private priceCacheHits(plan: PlannedWork[], usdPerFlop: number): void {
    const { card } = this.config;
    for (const { seq, prefill } of plan) {
      const cached = seq.cachedPromptTokens;
      if (!prefill || seq.recomputing || cached === 0 || seq.cacheSavingsUsd !== null) continue;
      const flops =
        2 * card.activeParams * cached + 4 * card.layers * card.hidden * ((cached * (cached + 1)) / 2);
      seq.cacheSavingsUsd = flops * usdPerFlop;
    }
  }

  /** Adds each work's share (or a fraction of it, when a crash cut the step short) to its sequence. */
  private chargePlan(fraction: number): void {
    for (const work of this.plan) {
      const usd = (work.shareUsd ?? 0) * fraction;
      if (work.recompute) work.seq.cost.recomputeUsd += usd;
      else if (work.prefill) work.seq.cost.prefillUsd += usd;
      else work.seq.cost.decodeUsd += usd;
    }
    this.attributedUsd += this.stepCostUsd * fraction;
  }

  /** Applies the step's results at its end; returns the sequences that finished. */
  endStep(nowUs: number): FinishedSequence[] {
    this.pool.nowUs = nowUs;
    this.chargePlan(1);
    this.busyUs += nowUs - this.stepStartUs;
    this.lastStepEndUs = nowUs;
    const finished: FinishedSequence[] = [];
    let iterationTokens = 0;
    for (const { seq, prefill } of this.plan) {
      if (seq.finished) continue; // crashed mid-step
      let produced = 0;
      if (prefill) {
        if (seq.kvTokens >= seq.prefillTarget) {
          // The step that completes a prefill also samples a token.
          iterationTokens += seq.prefillTarget;
          if (seq.recomputing) {
            seq.recomputing = false;
            seq.preemptionWaitUs += nowUs - seq.preemptedAtUs;
          } else {
            seq.firstTokenUs = nowUs;
            this.stats.prefillComputedTokensHist.observe(seq.spec.promptTokens - seq.cachedPromptTokens);
            this.stats.promptTokens += seq.spec.promptTokens;
            this.stats.promptTokensCached += seq.cachedPromptTokens;
            this.stats.promptTokensComputed += seq.spec.promptTokens - seq.cachedPromptTokens;
          }
          produced = 1;
        }
      } else {
        produced = 1;
      }
      if (produced === 0) continue;
      seq.generated += produced;
      if (seq.firstVisibleTokenUs < 0 && seq.generated > seq.spec.reasoningTokens)
        seq.firstVisibleTokenUs = nowUs;
      iterationTokens += produced;
      this.stats.generationTokens += produced;
      if (seq.lastTokenUs >= 0) this.stats.itl.observe((nowUs - seq.lastTokenUs) / 1e6);
      seq.lastTokenUs = nowUs;
      seq.spec.listener?.onTokens(produced, nowUs);
      if (seq.generated >= seq.spec.outputTokens) {
        finished.push(this.finish(seq, seq.generated >= seq.spec.maxTokens ? 'length' : 'stop', nowUs));
      }
    }
    if (iterationTokens > 0) this.stats.iterationTokens.observe(iterationTokens);
    if (finished.length > 0) this.removeFinished();
    this.plan = [];
    this.stepEndUs = -1;
    this.lastStepUs = nowUs;
    return finished;
  }

  /** Cancels one request (client disconnected): finishes it with reason abort, frees its blocks. */
  abort(requestId: string, nowUs: number): FinishedSequence | null {
    this.pool.nowUs = nowUs;
    const inRunning = this.running.findIndex((seq) => seq.spec.requestId === requestId);
    const list = inRunning >= 0 ? this.running : this.waiting;
    const index =
      inRunning >= 0 ? inRunning : this.waiting.findIndex((seq) => seq.spec.requestId === requestId);
    if (index < 0) return null;
    const seq = list[index] as Sequence;
    list.splice(index, 1);
    return this.finish(seq, 'abort', nowUs);
  }

  /** Kills every sequence (replica crash); the replica stays down until `downUntilUs`. */
  crash(nowUs: number, downUntilUs: number): FinishedSequence[] {
    this.pool.nowUs = nowUs;
    if (this.stepEndUs >= 0) {
      // The step in progress ran until now: its elapsed part is spent on the requests it served.
      this.chargePlan((nowUs - this.stepStartUs) / (this.stepEndUs - this.stepStartUs));
      this.busyUs += nowUs - this.stepStartUs;
      this.lastStepEndUs = nowUs;
    }
    const all = [...this.running, ...this.waiting];
    const finished = all.map((seq) => this.finish(seq, 'error', nowUs));
    this.running.length = 0;
    this.waiting.length = 0;
    this.plan = [];
    this.stepEndUs = -1;
    this.downUntilUs = downUntilUs;
    return finished;
  }

  private blocksFor(tokens: number): number {
    return Math.ceil(tokens / this.config.blockSize);
  }

  private blockHash(seq: Sequence, index: number): number | undefined {
    return index < seq.spec.promptBlockHashes.length ? seq.spec.promptBlockHashes[index] : undefined;
  }

  private canGrow(seq: Sequence, kvTokens: number): boolean {
    const from = seq.heldBlocks;
    const to = this.blocksFor(kvTokens);
    if (to <= from) return true;
    const hashes: number[] = [];
    let anonymous = 0;
    for (let i = from; i < to; i++) {
      const hash = this.blockHash(seq, i);
      if (hash === undefined) anonymous++;
      else hashes.push(hash);
    }
    return this.pool.canAllocate(this.pool.freshNeeded(hashes, anonymous));
  }

  private grow(seq: Sequence, kvTokens: number): void {
    for (let i = seq.heldBlocks; i < this.blocksFor(kvTokens); i++) {
      const hash = this.blockHash(seq, i);
      if (hash === undefined) {
        this.pool.acquireAnonymous(1);
        seq.anonymous++;
      } else {
        this.pool.acquireHashed(hash);
        seq.hashed.push(hash);
      }
    }
    seq.kvTokens = kvTokens;
  }

  /** Tries to start (or restart) a waiting sequence: prefix-cache lookup, then its first chunk. */
  private admit(seq: Sequence, budget: number, nowUs: number): PlannedWork | null {
    const { promptTokens, promptBlockHashes } = seq.spec;
    let hitBlocks = this.pool.matchPrefix(promptBlockHashes);
    // A fully cached prompt still recomputes its last token to produce logits (vLLM).
    while (hitBlocks > 0 && hitBlocks * this.config.blockSize > promptTokens - 1) hitBlocks--;
    const cachedTokens = hitBlocks * this.config.blockSize;
    const tokens = Math.min(seq.prefillTarget - cachedTokens, budget);
    const from = hitBlocks;
    const to = this.blocksFor(cachedTokens + tokens);
    const newHashes = promptBlockHashes.slice(0, Math.min(to, promptBlockHashes.length));
    const anonymous = Math.max(0, to - Math.max(from, promptBlockHashes.length));
    if (!this.pool.canAllocate(this.pool.freshNeeded(newHashes, anonymous))) return null;
    for (const hash of newHashes) {
      this.pool.acquireHashed(hash);
      seq.hashed.push(hash);
    }
    this.pool.acquireAnonymous(anonymous);
    seq.anonymous += anonymous;
    seq.kvTokens = cachedTokens + tokens;
    if (!seq.admittedBefore) {
      seq.admittedBefore = true;
      seq.firstScheduledUs = nowUs;
      seq.cachedPromptTokens = cachedTokens;
      // Only first lookups are counted (engines.md §2.1: preempted re-lookups are not exported).
      this.stats.prefixQueries += promptTokens;
      this.stats.prefixHits += cachedTokens;
    }
    return { seq, tokens, prefill: true };
  }

  private preempt(seq: Sequence, nowUs: number): void {
    this.pool.release(seq.hashed, seq.anonymous);
    this.stats.preemptions++;
    this.stats.preemptedTokens += seq.kvTokens;
    this.stats.preemptedOutputTokens += seq.generated;
    seq.hashed.length = 0;
    seq.anonymous = 0;
    seq.kvTokens = 0;
    seq.preemptions++;
    if (!seq.recomputing) seq.preemptedAtUs = nowUs;
    seq.recomputing = seq.generated > 0;
    this.running.splice(this.running.indexOf(seq), 1);
    this.waiting.unshift(seq);
    this.plan = this.plan.filter((w) => w.seq !== seq);
  }

  private finish(seq: Sequence, reason: FinishReason, nowUs: number): FinishedSequence {
    seq.finished = true;
    this.pool.release(seq.hashed, seq.anonymous);
    seq.hashed.length = 0;
    seq.anonymous = 0;
    const s = this.stats;
    s.finishedByReason[reason]++;
    const result: FinishedSequence = {
      spec: seq.spec,
      replica: this.config.replica,
      finishReason: reason,
      arrivalUs: seq.spec.arrivalUs,
      queuedUs: seq.queuedUs,
      firstScheduledUs: seq.firstScheduledUs,
      firstTokenUs: seq.firstTokenUs,
      lastTokenUs: seq.lastTokenUs,
      finishedUs: nowUs + OUTPUT_PROCESSING_US,
      generated: seq.generated,
      firstVisibleTokenUs: seq.firstVisibleTokenUs,
      cachedPromptTokens: seq.cachedPromptTokens,
      preemptions: seq.preemptions,
      preemptionWaitUs: seq.preemptionWaitUs + (seq.recomputing ? nowUs - seq.preemptedAtUs : 0),
      cost: { ...seq.cost },
      cacheSavingsUsd: seq.cacheSavingsUsd,
    };
    s.e2e.observe((result.finishedUs - result.arrivalUs) / 1e6);
    if (seq.firstScheduledUs >= 0) s.queue.observe((seq.firstScheduledUs - seq.queuedUs) / 1e6);
    s.stageQueue.observe(seq.firstScheduledUs >= 0 ? (seq.firstScheduledUs - seq.queuedUs) / 1e6 : 0);
    s.retractionsPerRequest.observe(seq.preemptions);
    s.maxTokensParam.observe(seq.spec.maxTokens);
    s.nParam.observe(1);
    if (seq.firstTokenUs >= 0) {
      s.ttft.observe((seq.firstTokenUs + OUTPUT_PROCESSING_US - seq.spec.arrivalUs) / 1e6);
      s.prefill.observe((seq.firstTokenUs - seq.firstScheduledUs) / 1e6);
      s.stagePrefill.observe((seq.firstTokenUs - seq.firstScheduledUs) / 1e6);
      s.decode.observe((seq.lastTokenUs - seq.firstTokenUs) / 1e6);
      s.inference.observe((seq.lastTokenUs - seq.firstScheduledUs) / 1e6);
      s.promptTokensHist.observe(seq.spec.promptTokens);
      s.generationTokensHist.observe(seq.generated);
      s.maxGenerationTokensHist.observe(seq.generated);
      if (seq.generated > 1) s.tpot.observe((seq.lastTokenUs - seq.firstTokenUs) / 1e6 / (seq.generated - 1));
    }
    seq.spec.listener?.onFinish(result);
    return result;
  }

  private removeFinished(): void {
    let w = 0;
    for (const seq of this.running) if (!seq.finished) this.running[w++] = seq;
    this.running.length = w;
  }
}
