import type { InferenceRequest } from '../model/request.ts';
import type { Span } from '../model/span.ts';
import {
  EngineReplica,
  replicaConfig,
  tokenizeUs,
  type FinishedSequence,
  type ImitatedEngine,
  type ReplicaConfig,
  type SimRequestSpec,
} from './engine.ts';
import { EventQueue } from './event-queue.ts';
import { DEFAULT_FACTOR, FAULT_DESCRIPTIONS, type FaultSpec, type GroundTruth } from './faults.ts';
import type { GpuType } from './hardware.ts';
import { MODEL_CARDS, weightBytes } from './model-cards.ts';
import { Random } from './random.ts';
import { PriceBook } from '../analyze/cost/price-book.ts';
import { groundTruthRecord, type Placement } from './records.ts';
import { WorkloadGenerator, type TenantProfile, type TrafficModifier, type Workload } from './workload.ts';

export interface FleetReplicaSpec {
  replica: string;
  cluster: string;
  namespace: string;
  node: string;
  model: string;
  engine: ImitatedEngine;
  gpuType: GpuType;
  tensorParallel: number;
  /** Routing pool: only traffic of tenants in the same pool reaches this replica. */
  pool?: string;
  overrides?: Partial<ReplicaConfig>;
}

export interface FleetOptions {
  seed: number;
  /** Virtual wall-clock time at the start (epoch µs). */
  startUs: number;
  replicas: FleetReplicaSpec[];
  workload: Workload;
  faults?: FaultSpec[];
  /** Prices each replica's GPUs (default: the built-in on-demand list prices). */
  prices?: PriceBook;
}

export interface SimReplica {
  spec: FleetReplicaSpec;
  placement: Placement;
  engine: EngineReplica;
  /** Requests routed here but still being tokenized. */
  pending: number;
}

type FleetEvent =
  | { type: 'arrival'; tenant: number }
  | { type: 'enqueue'; replica: SimReplica; spec: SimRequestSpec }
  | { type: 'step'; replica: SimReplica }
  | { type: 'fault-start'; fault: number }
  | { type: 'fault-end'; fault: number }
  | { type: 'replica-up'; replica: SimReplica };

/** Time to bring a replica back: load weights from local NVMe (~2 GB/s per GPU) plus engine start. */
export function coldStartUs(model: string, tensorParallel: number): number {
  const card = MODEL_CARDS[model];
  if (!card) throw new Error(`unknown model ${model}`);
  return Math.round((weightBytes(card) / (2e9 * tensorParallel) + 20) * 1e6);
}

/**
 * A simulated fleet: replicas, the workload that drives them, faults, and a discrete-event clock.
 * Time advances only through runUntil(), as fast as the host can go or paced by a caller.
 */
/** A finished request's ground truth, and whether it came over HTTP (the OpenAI API) rather than from the simulated tenants. */
export interface FleetRecord {
  request: InferenceRequest;
  spans: Span[];
  overHttp: boolean;
}

export class Fleet {
  readonly random: Random;
  readonly replicas: SimReplica[];
  readonly groundTruth: GroundTruth[] = [];
  nowUs: number;
  private readonly events = new EventQueue<FleetEvent>();
  private readonly generator: WorkloadGenerator;
  private readonly tenants: TenantProfile[];
  private readonly modifiers: TrafficModifier[];
  private readonly faults: FaultSpec[];
  /** Tenants a fault added (cache-unfriendly, fragmentation), by fault index. */
  private readonly faultTenants = new Map<number, number>();
  private readonly recordListeners: ((record: FleetRecord) => void)[] = [];
  private readonly finishListeners: ((done: FinishedSequence, replica: SimReplica) => void)[] = [];
  routed = 0;
  rejected = 0;

  constructor(readonly options: FleetOptions) {
    this.random = new Random(options.seed);
    this.nowUs = options.startUs;
    const prices = options.prices ?? new PriceBook();
    this.replicas = options.replicas.map((spec) => {
      const card = MODEL_CARDS[spec.model];
      if (!card) throw new Error(`replica ${spec.replica}: unknown model ${spec.model}`);
      const engine = new EngineReplica(
        replicaConfig({
          replica: spec.replica,
          engine: spec.engine,
          card,
          gpuType: spec.gpuType,
          tensorParallel: spec.tensorParallel,
          usdPerGpuHour: prices.usdPerGpuHour(spec.gpuType, spec.cluster),
          ...spec.overrides,
        }),
        options.startUs,
      );
      const placement: Placement = {
        replica: spec.replica,
        cluster: spec.cluster,
        namespace: spec.namespace,
        workload: `${spec.model}-${spec.engine}`,
        node: spec.node,
        model: spec.model,
        engine: spec.engine,
        gpuType: spec.gpuType,
        gpuCount: spec.tensorParallel,
      };
      return { spec, placement, engine, pending: 0 };
    });
    this.generator = new WorkloadGenerator(this.random, 16);
    this.tenants = [...options.workload.tenants];
    this.modifiers = this.tenants.map(() => ({ rate: 1, promptScale: 1, outputScale: 1 }));
    this.faults = options.faults ?? [];
    this.tenants.forEach((_, i) => this.scheduleArrival(i));
    this.faults.forEach((fault, i) =>
      this.events.push(options.startUs + fault.atUs, { type: 'fault-start', fault: i }),
    );
  }

  onRecord(listener: (record: FleetRecord) => void): void {
    this.recordListeners.push(listener);
  }

  onFinish(listener: (done: FinishedSequence, replica: SimReplica) => void): void {
    this.finishListeners.push(listener);
  }

  replicaByName(name: string): SimReplica | undefined {
    return this.replicas.find((r) => r.spec.replica === name);
  }

  /** Routes a request to the least-loaded healthy replica of its model (and pool). */
  route(model: string, pool?: string): SimReplica | undefined {
    let best: SimReplica | undefined;
    let bestLoad = Infinity;
    for (const r of this.replicas) {
      if (r.spec.model !== model || r.spec.pool !== pool || !r.engine.isUp(this.nowUs)) continue;
      const load = r.engine.running.length + r.engine.waiting.length + r.pending;
      if (load < bestLoad) {
        best = r;
        bestLoad = load;
      }
    }
    return best;
  }

  /** Accepts a request at the current time on a replica (or routes it); false when none is up. */
  submit(spec: SimRequestSpec, model: string, replicaName?: string, pool?: string): boolean {
    const replica = replicaName ? this.replicaByName(replicaName) : this.route(model, pool);
    if (!replica || !replica.engine.isUp(this.nowUs)) {
      this.rejected++;
      return false;
    }
    replica.pending++;
    this.routed++;
    this.events.push(this.nowUs + tokenizeUs(spec.promptTokens), { type: 'enqueue', replica, spec });
    return true;
  }

  /** Makes a request the way the workload would, for callers that bring their own (HTTP API). */
  makeRequest(tenant: TenantProfile, overrides: Partial<SimRequestSpec> = {}): SimRequestSpec {
    const card = MODEL_CARDS[tenant.model];
    if (!card) throw new Error(`unknown model ${tenant.model}`);
    return { ...this.generator.makeRequest(tenant, this.nowUs, card.maxModelLen), ...overrides };
  }

  /** Processes every event up to `untilUs` and leaves the clock there. */
  runUntil(untilUs: number): void {
    for (;;) {
      if (this.events.peekTime() > untilUs) break;
      const event = this.events.pop();
      if (!event) break;
      this.nowUs = event.timeUs;
      this.handle(event.item);
    }
    this.nowUs = Math.max(this.nowUs, untilUs);
  }

  private scheduleArrival(tenant: number): void {
    const profile = this.tenants[tenant] as TenantProfile;
    const at = this.generator.nextArrivalUs(
      this.options.workload,
      profile,
      this.nowUs,
      this.modifiers[tenant],
    );
    this.events.push(at, { type: 'arrival', tenant });
  }

  private kick(replica: SimReplica): void {
    const engine = replica.engine;
    if (!engine.idle || !engine.hasWork) return;
    const duration = engine.beginStep(this.nowUs);
    if (duration > 0) this.events.push(this.nowUs + duration, { type: 'step', replica });
  }

  private finished(replica: SimReplica, done: FinishedSequence[]): void {
    for (const d of done) {
      for (const listener of this.finishListeners) listener(d, replica);
      if (this.recordListeners.length > 0) {
        const record = {
          ...groundTruthRecord(d, replica.placement, this.random),
          overHttp: !d.spec.callerTraced,
        };
        for (const listener of this.recordListeners) listener(record);
      }
    }
  }

  private handle(event: FleetEvent): void {
    switch (event.type) {
      case 'arrival': {
        const profile = this.tenants[event.tenant] as TenantProfile;
        const card = MODEL_CARDS[profile.model];
        if (card) {
          const spec = this.generator.makeRequest(
            profile,
            this.nowUs,
            card.maxModelLen,
            this.modifiers[event.tenant],
          );
          this.submit(spec, profile.model, undefined, profile.pool);
        }
        this.scheduleArrival(event.tenant);
        return;
      }
      case 'enqueue': {
        event.replica.pending--;
        if (!event.replica.engine.isUp(this.nowUs)) {
          // The replica died while the request was being tokenized.
          event.replica.engine.enqueue(event.spec, this.nowUs);
          this.finished(
            event.replica,
            event.replica.engine.crash(this.nowUs, event.replica.engine.downUntilUs),
          );
          return;
        }
        event.replica.engine.enqueue(event.spec, this.nowUs);
        this.kick(event.replica);
        return;
      }
      case 'step': {
        if (event.replica.engine.stepEndUs !== this.nowUs) return; // stale: the replica crashed
        this.finished(event.replica, event.replica.engine.endStep(this.nowUs));
        this.kick(event.replica);
        return;
      }
      case 'replica-up':
        this.kick(event.replica);
        return;
      case 'fault-start':
        this.startFault(event.fault);
        return;
      case 'fault-end':
        this.endFault(event.fault);
        return;
    }
  }

  private replicasFor(fault: FaultSpec): SimReplica[] {
    return this.replicas.filter(
      (r) =>
        (fault.model === undefined || r.spec.model === fault.model) &&
        (fault.replica === undefined || r.spec.replica === fault.replica),
    );
  }

  private tenantsFor(fault: FaultSpec): number[] {
    return this.tenants.flatMap((t, i) => (fault.model === undefined || t.model === fault.model ? [i] : []));
  }

  private addTenant(profile: TenantProfile): number {
    this.tenants.push(profile);
    this.modifiers.push({ rate: 1, promptScale: 1, outputScale: 1 });
    const index = this.tenants.length - 1;
    this.scheduleArrival(index);
    return index;
  }

  private startFault(index: number): void {
    const fault = this.faults[index] as FaultSpec;
    const factor = fault.factor ?? DEFAULT_FACTOR[fault.kind];
    const model = fault.model ?? this.replicas[0]?.spec.model ?? null;
    let affected = this.replicasFor({ ...fault, model: model ?? undefined });
    let tenant: string | null = null;
    let endUs = this.nowUs + fault.durationUs;
    switch (fault.kind) {
      case 'queue_saturation':
        for (const i of this.tenantsFor({ ...fault, model: model ?? undefined }))
          (this.modifiers[i] as TrafficModifier).rate *= factor;
        break;
      case 'kv_pressure':
        for (const i of this.tenantsFor({ ...fault, model: model ?? undefined })) {
          const m = this.modifiers[i] as TrafficModifier;
          m.promptScale *= factor;
          m.outputScale *= factor / 2;
        }
        break;
      case 'cache_unfriendly_tenant':
      case 'batch_fragmentation': {
        const base =
          this.tenants.filter((t) => t.model === model).reduce((sum, t) => sum + t.requestsPerSecond, 0) || 1;
        const unfriendly = fault.kind === 'cache_unfriendly_tenant';
        tenant = unfriendly ? 'bulk-backfill' : 'chatty-agent';
        const added = this.addTenant({
          tenant,
          team: unfriendly ? 'data-platform' : 'agents',
          model: model as string,
          // Routed like the model's own traffic (an edge pool's tenant lands on the edge pool).
          ...poolOf(this.tenants.find((t) => t.model === model)),
          requestsPerSecond: unfriendly ? base * factor * 0.5 : base * factor,
          families: [],
          userPromptMedian: unfriendly ? 3000 : 8,
          userPromptSigma: unfriendly ? 0.4 : 0.3,
          outputMedian: unfriendly ? 40 : 2,
          outputSigma: 0.3,
          maxTokens: unfriendly ? 256 : 4,
        });
        this.faultTenants.set(index, added);
        break;
      }
      case 'tp_straggler': {
        const target = affected.find((r) => r.spec.tensorParallel > 1) ?? affected[0];
        affected = target ? [target] : [];
        for (const r of affected) r.engine.slowdown = { ...r.engine.slowdown, gpuSlowdown: factor };
        break;
      }
      case 'interconnect_slowdown':
        affected = affected.filter((r) => r.spec.tensorParallel > 1);
        for (const r of affected) r.engine.slowdown = { ...r.engine.slowdown, interconnectSlowdown: factor };
        break;
      case 'replica_crash': {
        const target = affected[0];
        affected = target ? [target] : [];
        if (target) {
          const upAt = this.nowUs + coldStartUs(target.spec.model, target.spec.tensorParallel);
          this.finished(target, target.engine.crash(this.nowUs, upAt));
          this.events.push(upAt, { type: 'replica-up', replica: target });
          endUs = upAt;
        }
        break;
      }
    }
    if (fault.kind !== 'replica_crash') this.events.push(endUs, { type: 'fault-end', fault: index });
    this.groundTruth.push({
      kind: fault.kind,
      startUs: this.nowUs,
      endUs,
      model,
      replicas: affected.map((r) => r.spec.replica),
      tenant,
      description: FAULT_DESCRIPTIONS[fault.kind],
    });
  }

  private endFault(index: number): void {
    const fault = this.faults[index] as FaultSpec;
    const factor = fault.factor ?? DEFAULT_FACTOR[fault.kind];
    const model = fault.model ?? this.replicas[0]?.spec.model;
    switch (fault.kind) {
      case 'queue_saturation':
        for (const i of this.tenantsFor({ ...fault, model }))
          (this.modifiers[i] as TrafficModifier).rate /= factor;
        break;
      case 'kv_pressure':
        for (const i of this.tenantsFor({ ...fault, model })) {
          const m = this.modifiers[i] as TrafficModifier;
          m.promptScale /= factor;
          m.outputScale /= factor / 2;
        }
        break;
      case 'cache_unfriendly_tenant':
      case 'batch_fragmentation':
        // Silence the added tenant: its rate drops to (almost) nothing.
        {
          const added = this.faultTenants.get(index);
          if (added !== undefined) (this.modifiers[added] as TrafficModifier).rate = 1e-9;
        }
        break;
      case 'tp_straggler':
        for (const r of this.replicasFor({ ...fault, model }))
          r.engine.slowdown = { ...r.engine.slowdown, gpuSlowdown: 1 };
        break;
      case 'interconnect_slowdown':
        for (const r of this.replicasFor({ ...fault, model }))
          r.engine.slowdown = { ...r.engine.slowdown, interconnectSlowdown: 1 };
        break;
      case 'replica_crash':
        break;
    }
  }
}

function poolOf(tenant: TenantProfile | undefined): { pool?: string } {
  return tenant?.pool ? { pool: tenant.pool } : {};
}
