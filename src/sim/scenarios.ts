import type { PriceBook } from '../analyze/cost/price-book.ts';
import type { FaultSpec } from './faults.ts';
import type { FleetOptions, FleetReplicaSpec } from './fleet.ts';
import type { TenantProfile } from './workload.ts';

const S = 1_000_000;

/**
 * The demo fleet: 2 clusters, 3 teams, 4 models on 4 engines and 4 GPU types, 12 replicas.
 * Rates are set so that the fleet runs at 40–70 % of capacity before faults.
 */
export function demoReplicas(): FleetReplicaSpec[] {
  const r = (
    replica: string,
    cluster: string,
    node: string,
    model: string,
    engine: FleetReplicaSpec['engine'],
    gpuType: FleetReplicaSpec['gpuType'],
    tensorParallel: number,
    pool?: string,
  ): FleetReplicaSpec => ({
    replica,
    cluster,
    namespace: pool ? 'llm-edge' : 'llm-serving',
    node,
    model,
    engine,
    gpuType,
    tensorParallel,
    ...(pool ? { pool } : {}),
  });
  return [
    r('vllm-llama-3-70b-0', 'us-east-1', 'gpu-h100-a1', 'llama-3-70b', 'vllm', 'H100', 4),
    r('vllm-llama-3-70b-1', 'us-east-1', 'gpu-h100-a1', 'llama-3-70b', 'vllm', 'H100', 4),
    r('vllm-llama-3-8b-0', 'us-east-1', 'gpu-h100-a2', 'llama-3-8b', 'vllm', 'H100', 1),
    r('vllm-llama-3-8b-1', 'us-east-1', 'gpu-h100-a2', 'llama-3-8b', 'vllm', 'H100', 1),
    r('vllm-llama-3-8b-2', 'us-east-1', 'gpu-h100-a2', 'llama-3-8b', 'vllm', 'H100', 1),
    r('sglang-qwen2-5-32b-0', 'eu-west-4', 'gpu-h200-b1', 'qwen2.5-32b', 'sglang', 'H200', 2),
    r('sglang-qwen2-5-32b-1', 'eu-west-4', 'gpu-h200-b1', 'qwen2.5-32b', 'sglang', 'H200', 2),
    r('trtllm-mixtral-8x7b-0', 'eu-west-4', 'gpu-a100-b2', 'mixtral-8x7b', 'trtllm', 'A100-80GB', 2),
    r('triton-mixtral-8x7b-0', 'eu-west-4', 'gpu-a100-b2', 'mixtral-8x7b', 'triton', 'A100-80GB', 2),
    // A separate edge pool: L4s are ~20× slower per token than H100s and would own the p99 if
    // least-outstanding routing mixed them with the vLLM replicas.
    r('llamacpp-llama-3-8b-0', 'eu-west-4', 'gpu-l4-b3', 'llama-3-8b', 'llamacpp', 'L4', 1, 'edge-l4'),
    r('llamacpp-llama-3-8b-1', 'eu-west-4', 'gpu-l4-b3', 'llama-3-8b', 'llamacpp', 'L4', 1, 'edge-l4'),
    r('llamacpp-llama-3-8b-2', 'eu-west-4', 'gpu-l4-b4', 'llama-3-8b', 'llamacpp', 'L4', 1, 'edge-l4'),
  ];
}

const families = (prefix: string, sizes: number[]) =>
  sizes.map((tokens, i) => ({ id: `${prefix}-${i}`, systemPromptTokens: tokens, weight: sizes.length - i }));

export function demoTenants(): TenantProfile[] {
  const t = (
    fields: Omit<TenantProfile, 'userPromptSigma' | 'outputSigma'> & Partial<TenantProfile>,
  ): TenantProfile => ({
    userPromptSigma: 0.9,
    outputSigma: 0.7,
    ...fields,
  });
  return [
    t({
      tenant: 'search-web',
      team: 'search',
      model: 'llama-3-70b',
      requestsPerSecond: 5,
      families: families('search-rag', [1800, 1200]),
      userPromptMedian: 900,
      outputMedian: 160,
      maxTokens: 512,
    }),
    t({
      tenant: 'search-ads',
      team: 'search',
      model: 'llama-3-8b',
      requestsPerSecond: 9,
      families: families('ads-copy', [600]),
      userPromptMedian: 250,
      outputMedian: 80,
      maxTokens: 256,
    }),
    t({
      tenant: 'support-chat',
      team: 'support',
      model: 'llama-3-8b',
      requestsPerSecond: 7,
      families: families('support-persona', [1400, 900, 500]),
      userPromptMedian: 300,
      outputMedian: 180,
      maxTokens: 768,
    }),
    t({
      tenant: 'support-email',
      team: 'support',
      model: 'mixtral-8x7b',
      requestsPerSecond: 2.5,
      families: families('email-triage', [700]),
      userPromptMedian: 1200,
      outputMedian: 220,
      maxTokens: 1024,
    }),
    t({
      tenant: 'support-internal-tools',
      team: 'support',
      model: 'llama-3-8b',
      pool: 'edge-l4',
      requestsPerSecond: 0.45,
      families: families('kb-lookup', [400]),
      userPromptMedian: 150,
      outputMedian: 60,
      outputSigma: 0.5,
      maxTokens: 200,
    }),
    t({
      tenant: 'research-agents',
      team: 'research',
      model: 'qwen2.5-32b',
      requestsPerSecond: 1.6,
      families: families('agent-tools', [2500, 1500]),
      userPromptMedian: 1500,
      outputMedian: 700,
      outputSigma: 0.6,
      maxTokens: 4096,
      reasoningShare: 0.6,
    }),
  ];
}

/** Two scripted faults: a load spike on the 70B fleet, then a straggler GPU on Qwen. */
export function demoFaults(): FaultSpec[] {
  return [
    { kind: 'queue_saturation', atUs: 180 * S, durationUs: 120 * S, model: 'llama-3-70b', factor: 6 },
    {
      kind: 'tp_straggler',
      atUs: 420 * S,
      durationUs: 120 * S,
      model: 'qwen2.5-32b',
      replica: 'sglang-qwen2-5-32b-0',
      factor: 1.8,
    },
  ];
}

export function demoFleetOptions(
  seed: number,
  startUs: number,
  withFaults = true,
  prices?: PriceBook,
): FleetOptions {
  return {
    ...(prices ? { prices } : {}),
    seed,
    startUs,
    replicas: demoReplicas(),
    workload: {
      tenants: demoTenants(),
      diurnalAmplitude: 0.3,
      dayUs: 3600 * S,
      // The demo starts at the day's mean rate, rising (a quarter day in): same seed, same run,
      // whenever it starts.
      dayStartUs: startUs - 900 * S,
    },
    faults: withFaults ? demoFaults() : [],
  };
}

/**
 * SLOs the demo evaluates when the config has none: a TTFT SLO with prompt-length bands on the
 * 70B fleet (the load spike pages it), a token-weighted availability SLO and a TPOT SLO.
 * Config-shaped (the same YAML a user would write). No visible-token TTFT SLO: the engines'
 * traces do not say when the first visible token came (the gateway will).
 */
export function demoSloConfigs(): Record<string, unknown>[] {
  return [
    {
      name: 'search-ttft',
      description: 'search RAG answers start fast',
      selector: { model: 'llama-3-70b' },
      objective: 0.99,
      window: '30d',
      ttft: { bands: [{ max_prompt_tokens: 2000, threshold: '1s' }, { threshold: '2s' }] },
    },
    {
      name: 'email-availability',
      selector: { model: 'mixtral-8x7b' },
      objective: 0.999,
      window: '30d',
      token_weighted: true,
      availability: {},
    },
    {
      name: 'chat-tpot',
      description: 'chat streams smoothly',
      selector: { model: 'llama-3-8b', cluster: 'us-east-1' }, // the vLLM replicas, not the L4 edge pool
      objective: 0.99,
      window: '30d',
      tpot: { threshold: '25ms' },
    },
  ];
}
