import { FAULT_KINDS, type FaultKind, type FaultSpec } from './faults.ts';
import type { FleetOptions, FleetReplicaSpec } from './fleet.ts';
import { Random } from './random.ts';
import { demoReplicas, demoTenants } from './scenarios.ts';
import type { TenantProfile } from './workload.ts';

const MIN = 60e6;

/** The fleets a scenario is drawn on: the demo's model fleets, each on its own. */
export const SCENARIO_FLEETS = {
  'llama-70b TP4 vLLM H100': { model: 'llama-3-70b', pool: undefined },
  'llama-8b TP1 vLLM H100': { model: 'llama-3-8b', pool: undefined },
  'mixtral TP2 TRT-LLM A100': { model: 'mixtral-8x7b', pool: undefined },
  'qwen-32b TP2 SGLang H200': { model: 'qwen2.5-32b', pool: undefined },
  'llama-8b llama.cpp L4': { model: 'llama-3-8b', pool: 'edge-l4' },
} as const;
export type ScenarioFleet = keyof typeof SCENARIO_FLEETS;

/**
 * Each fault's strength range, as the simulator's factor (faults.ts): `mild` barely moves the
 * fleet's latency, `severe` is past the demo's defaults. A drawn strength s ∈ [0, 1] is placed
 * between them on a log scale.
 */
const FACTOR_RANGE: Record<FaultKind, { mild: number; severe: number }> = {
  queue_saturation: { mild: 1.3, severe: 6 },
  kv_pressure: { mild: 1.5, severe: 8 },
  cache_unfriendly_tenant: { mild: 0.15, severe: 2 },
  tp_straggler: { mild: 1.1, severe: 2.5 },
  interconnect_slowdown: { mild: 1.5, severe: 15 },
  replica_crash: { mild: 1, severe: 1 },
  batch_fragmentation: { mild: 3, severe: 40 },
};

/** Faults that need tensor-parallel replicas, and faults an engine cannot show. */
function applicable(kind: FaultKind, replicas: readonly FleetReplicaSpec[]): boolean {
  const tensorParallel = replicas.some((r) => r.tensorParallel > 1);
  if ((kind === 'tp_straggler' || kind === 'interconnect_slowdown') && !tensorParallel) return false;
  // llama.cpp holds each slot's context whole: it does not preempt, so there is no KV storm to see.
  if (kind === 'kv_pressure' && replicas.every((r) => r.engine === 'llamacpp')) return false;
  return !(kind === 'replica_crash' && replicas.length < 2);
}

export interface DrawnFault extends FaultSpec {
  /** 0 = barely noticeable … 1 = severe (crashes: always 1). */
  strength: number;
}

/** One randomly drawn scenario: everything that shaped it, so a failure can be read and replayed. */
export interface DrawnScenario {
  seed: number;
  fleet: ScenarioFleet;
  model: string;
  /** Multiplier on the demo tenants' rates (the demo runs its fleets 40–70 % busy at 1). */
  loadScale: number;
  diurnalAmplitude: number;
  /** One fault, or two overlapping ones. */
  faults: DrawnFault[];
  /** When the alert fires, from the start (µs offset): 1–5 min into the first fault. */
  alertAtUs: number;
  options: FleetOptions;
}

const between = (random: Random, lo: number, hi: number) => lo + (hi - lo) * random.next();
const pick = <T>(random: Random, items: readonly T[]): T =>
  items[Math.floor(random.next() * items.length)] as T;

function drawFault(random: Random, kind: FaultKind, model: string, atUs: number): DrawnFault {
  const strength = kind === 'replica_crash' ? 1 : random.next();
  const { mild, severe } = FACTOR_RANGE[kind];
  return {
    kind,
    model,
    atUs,
    durationUs: Math.round(between(random, 1, 15) * MIN),
    factor: mild * (severe / mild) ** strength,
    strength,
  };
}

/** The fleet's tenants, each rate scaled (tenant mix drawn too: each tenant ×0.6–1.4). */
function drawTenants(
  random: Random,
  model: string,
  pool: string | undefined,
  loadScale: number,
): TenantProfile[] {
  return demoTenants()
    .filter((t) => t.model === model && t.pool === pool)
    .map((t) => ({ ...t, requestsPerSecond: t.requestsPerSecond * loadScale * between(random, 0.6, 1.4) }));
}

/**
 * Draws a scenario from `seed`: a fleet, its load and drift, a fault kind that fleet can show (a
 * second one overlapping it one time in five), strength, start and duration, and when an alert
 * on it fires. Nothing is fixed: the analysis is scored on what it was not tuned to.
 */
export function drawScenario(seed: number, startUs: number, kinds?: readonly FaultKind[]): DrawnScenario {
  const random = new Random(seed);
  const fleet = pick(random, Object.keys(SCENARIO_FLEETS) as ScenarioFleet[]);
  const { model, pool } = SCENARIO_FLEETS[fleet];
  const replicas = demoReplicas().filter((r) => r.model === model && r.pool === pool);
  const possible = (kinds ?? FAULT_KINDS).filter((k) => applicable(k, replicas));
  const loadScale = between(random, 0.36, 1.6);
  const healthyUs = Math.round(between(random, 10, 14) * MIN);
  const first = drawFault(random, pick(random, possible), model, healthyUs);
  const faults = [first];
  const others = possible.filter((k) => k !== first.kind);
  if (random.next() < 0.2 && others.length > 0)
    faults.push(
      drawFault(random, pick(random, others), model, healthyUs + Math.round(between(random, 0, 2) * MIN)),
    );
  const delayUs = between(random, 1, Math.min(5, first.durationUs / MIN + 1)) * MIN;
  const diurnalAmplitude = between(random, 0, 0.3);
  const dayUs = between(random, 2, 6) * 60 * MIN;
  return {
    seed,
    fleet,
    model,
    loadScale,
    diurnalAmplitude,
    faults,
    alertAtUs: healthyUs + Math.round(delayUs),
    options: {
      seed,
      startUs,
      replicas,
      workload: {
        tenants: drawTenants(random, model, pool, loadScale),
        diurnalAmplitude,
        dayUs,
        dayStartUs: startUs - between(random, 0, dayUs),
      },
      faults,
    },
  };
}
