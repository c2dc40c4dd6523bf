import type { SimRequestSpec } from './engine.ts';
import type { Random } from './random.ts';

/** Requests that share a system prompt: their leading KV blocks hash the same (prefix reuse). */
export interface PromptFamily {
  id: string;
  systemPromptTokens: number;
  weight: number;
}

export interface TenantProfile {
  tenant: string;
  team: string;
  model: string;
  requestsPerSecond: number;
  families: PromptFamily[];
  userPromptMedian: number;
  userPromptSigma: number;
  outputMedian: number;
  outputSigma: number;
  maxTokens: number;
  /** Routing pool of replicas this tenant's traffic goes to (none: the model's default pool). */
  pool?: string;
  /** For reasoning models: share of output tokens that are hidden reasoning. */
  reasoningShare?: number;
}

export interface Workload {
  tenants: TenantProfile[];
  /** 0 = flat; 0.5 = rate swings ±50 % over a day. */
  diurnalAmplitude: number;
  /** Length of a simulated "day" (µs): shorten it to see the diurnal shape in a short demo. */
  dayUs: number;
  /**
   * When the simulated day begins (µs; default the epoch). A run that sets it from its own start
   * sees the same traffic whatever the wall-clock time it starts at.
   */
  dayStartUs?: number;
}

/** Multipliers faults put on a tenant's traffic (sim/faults.ts). */
export interface TrafficModifier {
  rate: number;
  promptScale: number;
  outputScale: number;
}

const NO_MODIFIER: TrafficModifier = { rate: 1, promptScale: 1, outputScale: 1 };

/** Block hashes: family blocks are (family number, index); unique ones (request number, index). */
const BLOCK_INDEX_SPACE = 65_536;
const UNIQUE_BASE = 1_000_000;

export class WorkloadGenerator {
  private readonly familyNumbers = new Map<string, number>();
  private requestNumber = 0;

  constructor(
    private readonly random: Random,
    private readonly blockSize: number,
  ) {}

  private familyNumber(id: string): number {
    let n = this.familyNumbers.get(id);
    if (n === undefined) {
      n = this.familyNumbers.size + 1;
      this.familyNumbers.set(id, n);
    }
    return n;
  }

  /** Instantaneous rate of a tenant at a time: base × diurnal shape × fault multiplier. */
  rateAt(
    workload: Workload,
    tenant: TenantProfile,
    nowUs: number,
    modifier: TrafficModifier = NO_MODIFIER,
  ): number {
    const intoDay =
      (((nowUs - (workload.dayStartUs ?? 0)) % workload.dayUs) + workload.dayUs) % workload.dayUs;
    const phase = (2 * Math.PI * intoDay) / workload.dayUs;
    // Peak in the afternoon of the simulated day, trough at night.
    const diurnal = 1 + workload.diurnalAmplitude * Math.sin(phase - Math.PI / 2);
    return tenant.requestsPerSecond * Math.max(0.05, diurnal) * modifier.rate;
  }

  /** Next arrival of a Poisson process whose rate can change (thinning against `maxRate`). */
  nextArrivalUs(
    workload: Workload,
    tenant: TenantProfile,
    fromUs: number,
    modifier: TrafficModifier = NO_MODIFIER,
  ): number {
    const maxRate = tenant.requestsPerSecond * (1 + workload.diurnalAmplitude) * modifier.rate;
    let t = fromUs;
    for (let guard = 0; guard < 10_000; guard++) {
      t += this.random.exponentialUs(maxRate);
      if (this.random.next() * maxRate <= this.rateAt(workload, tenant, t, modifier)) return Math.round(t);
    }
    return Math.round(t);
  }

  makeRequest(
    tenant: TenantProfile,
    arrivalUs: number,
    maxModelLen: number,
    modifier: TrafficModifier = NO_MODIFIER,
  ): SimRequestSpec {
    const r = this.random;
    const family = tenant.families.length > 0 ? r.pickWeighted(tenant.families) : null;
    const systemTokens = family?.systemPromptTokens ?? 0;
    const userTokens = Math.max(
      1,
      Math.round(r.logNormal(tenant.userPromptMedian, tenant.userPromptSigma) * modifier.promptScale),
    );
    const maxTokens = tenant.maxTokens;
    const promptTokens = Math.min(systemTokens + userTokens, maxModelLen - maxTokens - 1);
    const outputTokens = Math.max(
      1,
      Math.min(
        maxTokens,
        Math.round(r.logNormal(tenant.outputMedian, tenant.outputSigma) * modifier.outputScale),
      ),
    );
    const number = ++this.requestNumber;
    const familyBlocks = Math.floor(Math.min(systemTokens, promptTokens) / this.blockSize);
    const fullBlocks = Math.floor(promptTokens / this.blockSize);
    const familyKey = family ? this.familyNumber(family.id) : 0;
    const hashes = new Array<number>(fullBlocks);
    for (let i = 0; i < fullBlocks; i++) {
      hashes[i] =
        i < familyBlocks ? familyKey * BLOCK_INDEX_SPACE + i : (UNIQUE_BASE + number) * BLOCK_INDEX_SPACE + i;
    }
    return {
      requestId: `chatcmpl-${r.hex(24)}`,
      tenant: tenant.tenant,
      team: tenant.team,
      promptTokens,
      promptBlockHashes: hashes,
      outputTokens,
      maxTokens,
      reasoningTokens: Math.floor(outputTokens * (tenant.reasoningShare ?? 0)),
      promptFamily: family?.id ?? null,
      traceId: r.hex(32),
      parentSpanId: r.hex(16),
      callerTraced: true,
      arrivalUs,
    };
  }
}
