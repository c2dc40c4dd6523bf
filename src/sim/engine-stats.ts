import { correctlyRoundedPow } from '../util/exact-pow.ts';
import { Histogram } from './histogram.ts';

/** Bucket sets, exactly as each engine defines them (engines.md §2.1, §3.2, §6.1). */
export const VLLM_BUCKETS = {
  ttft: [
    0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0,
    80.0, 160.0, 640.0, 2560.0,
  ],
  itl: [
    0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0,
  ],
  latency: [
    0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0,
    960.0, 1920.0, 7680.0,
  ],
  iterationTokens: [1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384],
  n: [1, 2, 5, 10, 20],
  /** KV block residency (lifetime, idle before eviction, reuse gap), seconds. */
  kvResidency: [
    0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800,
  ],
};

/** vLLM's 1-2-5 token buckets up to max_model_len (engines.md §2.1). */
export function oneTwoFiveBuckets(max: number): number[] {
  const out: number[] = [];
  for (let scale = 1; scale <= max; scale *= 10) {
    for (const m of [1, 2, 5]) if (m * scale <= max) out.push(m * scale);
  }
  return out;
}

export const SGLANG_BUCKETS = {
  ttft: [0.1, 0.2, 0.4, 0.6, 0.8, 1, 2, 4, 6, 8, 10, 20, 40, 60, 80, 100, 200, 400],
  itl: [
    0.002, 0.004, 0.006, 0.008, 0.01, 0.015, 0.02, 0.025, 0.03, 0.035, 0.04, 0.06, 0.08, 0.1, 0.2, 0.4, 0.6,
    0.8, 1.0, 2.0, 4.0, 6.0, 8.0,
  ],
  e2e: [0.1, 0.2, 0.4, 0.6, 0.8, 1, 2, 4, 6, 8, 10, 20, 40, 60, 80, 100, 200, 400, 600, 1200, 1800, 2400],
  queue: [
    0.0, 0.1, 0.2, 0.5, 1, 2, 3, 4, 5, 10, 15, 20, 30, 40, 50, 60, 70, 80, 90, 100, 200, 300, 400, 500, 600,
    700, 800, 900, 1000, 1200, 1400, 1600, 1800, 2000, 2500, 3000,
  ],
  /** 0.001 × 1.62^k for k = 0..29 (per_stage_req_latency_seconds). */
  stage: Array.from({ length: 30 }, (_, k) => 0.001 * correctlyRoundedPow(1.62, k)),
  retractions: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 75, 100],
};

export const TRTLLM_PREFILL_BUCKETS = [
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0,
  2560.0,
];

/** Everything one replica counts. Exposition renderers turn it into each engine's names. */
export class EngineStats {
  // Finished-request histograms (seconds / tokens).
  readonly ttft: Histogram;
  readonly itl: Histogram;
  readonly tpot: Histogram;
  readonly e2e: Histogram;
  readonly queue: Histogram;
  readonly prefill: Histogram;
  readonly decode: Histogram;
  readonly inference: Histogram;
  readonly promptTokensHist: Histogram;
  readonly generationTokensHist: Histogram;
  readonly maxGenerationTokensHist: Histogram;
  readonly maxTokensParam: Histogram;
  readonly nParam: Histogram;
  readonly prefillComputedTokensHist: Histogram;
  readonly iterationTokens: Histogram;
  readonly stageQueue: Histogram;
  readonly stagePrefill: Histogram;
  readonly retractionsPerRequest: Histogram;
  /** Sampled KV block residency (vLLM --kv-cache-metrics): allocation → eviction. */
  readonly kvBlockLifetime = new Histogram(VLLM_BUCKETS.kvResidency);
  /** Last access → eviction. */
  readonly kvBlockIdleBeforeEvict = new Histogram(VLLM_BUCKETS.kvResidency);
  /** Between consecutive accesses of a cached block. */
  readonly kvBlockReuseGap = new Histogram(VLLM_BUCKETS.kvResidency);

  // Counters.
  promptTokens = 0;
  promptTokensComputed = 0;
  promptTokensCached = 0;
  generationTokens = 0;
  prefixQueries = 0;
  prefixHits = 0;
  preemptions = 0;
  /** Tokens thrown away by preemptions (prompt + generated so far). */
  preemptedTokens = 0;
  preemptedOutputTokens = 0;
  finishedByReason: Record<'stop' | 'length' | 'abort' | 'error', number> = {
    stop: 0,
    length: 0,
    abort: 0,
    error: 0,
  };
  steps = 0;
  /** Σ step duration, and Σ of it spent on prefill vs decode work (for GPU breakdown and DCGM). */
  busySeconds = 0;
  /** Σ busy slots over steps (llama.cpp n_busy_slots_per_decode). */
  busySlotSteps = 0;
  prefillSecondsTotal = 0;
  /** Bytes each GPU moved in tensor-parallel all-reduces (DCGM NVLink counter). */
  interconnectBytes = 0;
  decodeSecondsTotal = 0;
  startedAtSeconds: number;

  constructor(
    maxModelLen: number,
    nowSeconds: number,
    engine: 'vllm' | 'sglang' | 'trtllm' | 'triton' | 'llamacpp',
  ) {
    const tokens = oneTwoFiveBuckets(maxModelLen);
    const sglang = engine === 'sglang';
    this.ttft = new Histogram(sglang ? SGLANG_BUCKETS.ttft : VLLM_BUCKETS.ttft);
    this.itl = new Histogram(sglang ? SGLANG_BUCKETS.itl : VLLM_BUCKETS.itl);
    this.tpot = new Histogram(VLLM_BUCKETS.itl);
    this.e2e = new Histogram(sglang ? SGLANG_BUCKETS.e2e : VLLM_BUCKETS.latency);
    this.queue = new Histogram(sglang ? SGLANG_BUCKETS.queue : VLLM_BUCKETS.latency);
    this.prefill = new Histogram(engine === 'trtllm' ? TRTLLM_PREFILL_BUCKETS : VLLM_BUCKETS.latency);
    this.decode = new Histogram(VLLM_BUCKETS.latency);
    this.inference = new Histogram(VLLM_BUCKETS.latency);
    this.promptTokensHist = new Histogram(tokens);
    this.generationTokensHist = new Histogram(tokens);
    this.maxGenerationTokensHist = new Histogram(tokens);
    this.maxTokensParam = new Histogram(tokens);
    this.nParam = new Histogram(VLLM_BUCKETS.n);
    this.prefillComputedTokensHist = new Histogram(tokens);
    this.iterationTokens = new Histogram(VLLM_BUCKETS.iterationTokens);
    this.stageQueue = new Histogram(SGLANG_BUCKETS.stage);
    this.stagePrefill = new Histogram(SGLANG_BUCKETS.stage);
    this.retractionsPerRequest = new Histogram(SGLANG_BUCKETS.retractions);
    this.startedAtSeconds = nowSeconds;
  }

  get finishedRequests(): number {
    const r = this.finishedByReason;
    return r.stop + r.length + r.abort + r.error;
  }
}
