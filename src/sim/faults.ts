/**
 * Fault scenarios the simulator can inject at a time offset, each recording its ground truth
 * (what, when, where) so the analysis engine can be scored against it.
 */
export const FAULT_KINDS = [
  'queue_saturation',
  'kv_pressure',
  'cache_unfriendly_tenant',
  'tp_straggler',
  'interconnect_slowdown',
  'replica_crash',
  'batch_fragmentation',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultSpec {
  kind: FaultKind;
  /** Offset from the start of the simulation. */
  atUs: number;
  durationUs: number;
  /** The model whose traffic or replicas are affected. */
  model?: string;
  /** The replica affected (straggler, crash); default: the first matching one. */
  replica?: string;
  /** Strength: rate multiplier, slowdown factor … (defaults per kind in DEFAULT_FACTOR). */
  factor?: number;
}

export const DEFAULT_FACTOR: Record<FaultKind, number> = {
  queue_saturation: 4,
  kv_pressure: 6,
  cache_unfriendly_tenant: 1.5,
  tp_straggler: 1.8,
  interconnect_slowdown: 12,
  replica_crash: 1,
  batch_fragmentation: 30,
};

export const FAULT_DESCRIPTIONS: Record<FaultKind, string> = {
  queue_saturation: 'load spike: arrival rate multiplied, the queue outgrows the batch',
  kv_pressure: 'long-context traffic fills the KV cache: preemption storm',
  cache_unfriendly_tenant: 'a tenant with long unique prompts evicts everyone else’s cached prefixes',
  tp_straggler: 'one GPU of a tensor-parallel group runs slow and gates every step',
  interconnect_slowdown: 'NVLink/NCCL all-reduces slow down on the model’s replicas',
  replica_crash: 'a replica crashes, fails its requests, and cold-starts (model load)',
  batch_fragmentation: 'a flood of tiny requests: steps full of overhead, little useful work',
};

/** What was injected, recorded as it happens. */
export interface GroundTruth {
  kind: FaultKind;
  startUs: number;
  endUs: number;
  model: string | null;
  replicas: string[];
  tenant: string | null;
  description: string;
}
