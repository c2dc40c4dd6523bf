import { compareWindows, type RankedCause } from '../../src/analyze/rca/compare-windows.ts';
import { Collector } from '../../src/collect/collector.ts';
import type { InferenceRequest } from '../../src/model/request.ts';
import type { Span } from '../../src/model/span.ts';
import { SimCluster } from '../../src/sim/cluster.ts';
import type { FaultKind, FaultSpec, GroundTruth } from '../../src/sim/faults.ts';
import { Fleet } from '../../src/sim/fleet.ts';
import { demoReplicas, demoTenants } from '../../src/sim/scenarios.ts';
import { simScrapeTargets } from '../../src/sim/scrape-targets.ts';
import { DuckDbStore } from '../../src/store/duckdb/duckdb-store.ts';
import { createLogger } from '../../src/util/log.ts';

const MIN = 60e6;
export const SCENARIO_START_US = Date.UTC(2026, 10, 25, 8) * 1000;

/** The demo's 70B fleet alone (2 vLLM replicas, TP 4) with its tenant, steady load, and these faults. */
export function seventyBFleet(seed: number, startUs: number, faults: FaultSpec[]): Fleet {
  const model = 'llama-3-70b';
  return new Fleet({
    seed,
    startUs,
    replicas: demoReplicas().filter((r) => r.model === model),
    workload: {
      tenants: demoTenants().filter((t) => t.model === model),
      diurnalAmplitude: 0,
      dayUs: 86_400e6,
    },
    faults,
  });
}

/**
 * Faults injected together, each pair one a user could meet at once (a load spike while a replica
 * restarts, a straggler while a tenant floods the cache …). The analysis must name one of them first.
 */
export const FAULT_COMBINATIONS: readonly (readonly [FaultKind, FaultKind])[] = [
  ['queue_saturation', 'cache_unfriendly_tenant'],
  ['tp_straggler', 'cache_unfriendly_tenant'],
  ['interconnect_slowdown', 'batch_fragmentation'],
  ['kv_pressure', 'tp_straggler'],
  ['replica_crash', 'queue_saturation'],
  ['kv_pressure', 'interconnect_slowdown'],
  ['tp_straggler', 'batch_fragmentation'],
  ['queue_saturation', 'interconnect_slowdown'],
];

export interface FaultRun {
  store: DuckDbStore;
  /** The first injected fault's ground truth (the only one for a single-fault run). */
  truth: GroundTruth;
  /** Every injected fault's ground truth, in the order given. */
  truths: GroundTruth[];
  /** The simulated fleet, stopped at the end of the run (its engines' own counters and histograms). */
  fleet: Fleet;
  model: string;
  /** The fault's span (at least a minute), and as long before it (the healthy baseline). */
  window: { fromUs: number; toUs: number };
  baseline: { fromUs: number; toUs: number };
}

/**
 * One fault scenario through the real collection path at simulated time: the 70B fleet (2 vLLM
 * replicas, TP 4) and its tenant run healthy for `healthyMin`, then `kind` (or every kind of a
 * combination, all at once) is injected for `faultMin`. Engine /metrics and the node's DCGM exporter are scraped over HTTP every 5 simulated
 * seconds (stamped with the simulated clock); finished requests are stored as the simulator
 * records them. The caller closes the store.
 */
export async function runFaultScenario(
  kinds: FaultKind | readonly FaultKind[],
  seed: number,
  options: { healthyMin?: number; faultMin?: number } = {},
): Promise<FaultRun> {
  const healthyMin = options.healthyMin ?? 8;
  const faultMin = options.faultMin ?? 4;
  const model = 'llama-3-70b';
  const store = await DuckDbStore.open({ path: ':memory:' });
  const fleet = seventyBFleet(
    seed,
    SCENARIO_START_US,
    [kinds].flat().map((kind) => ({ kind, atUs: healthyMin * MIN, durationUs: faultMin * MIN, model })),
  );
  await simulateIntoStore(fleet, store, SCENARIO_START_US + (healthyMin + faultMin) * MIN, 5e6);
  const truths = fleet.groundTruth;
  const truth = truths[0] as GroundTruth;
  // The faults' own span (a crash lasts until the replica is back), against as long before it.
  const faultsEndUs = Math.max(...truths.map((t) => t.endUs));
  const lengthUs = Math.max(faultsEndUs - truth.startUs, MIN);
  const window = { fromUs: truth.startUs, toUs: truth.startUs + lengthUs };
  const baseline = { fromUs: truth.startUs - lengthUs, toUs: truth.startUs };
  return {
    store,
    truth,
    truths,
    fleet,
    model,
    window,
    baseline,
  };
}

/**
 * Runs the fleet to `endUs` through the real collection path at simulated time: engine /metrics
 * and the nodes' DCGM exporters scraped over HTTP every `scrapeEveryUs` (stamped with the
 * simulated clock), finished requests stored as the simulator records them.
 */
export async function simulateIntoStore(
  fleet: Fleet,
  store: DuckDbStore,
  endUs: number,
  scrapeEveryUs: number,
): Promise<void> {
  const finished: { request: InferenceRequest; spans: Span[] }[] = [];
  fleet.onRecord((record) => finished.push(record));
  const cluster = new SimCluster(fleet);
  await cluster.start();
  const collector = new Collector({
    store,
    log: createLogger('silent'),
    context: { cluster: 'us-east-1' },
    clockMs: () => fleet.nowUs / 1000,
    manualScrape: true,
    targets: simScrapeTargets(fleet, cluster.endpoints),
  });
  try {
    await collector.startScraping();
    for (let t = fleet.nowUs; t < endUs + scrapeEveryUs; t += scrapeEveryUs) {
      fleet.runUntil(Math.min(t, endUs)); // the last step ends exactly at endUs
      await collector.scraper.scrapeAll();
      const batch = finished.splice(0);
      if (batch.length > 0)
        await store.writeBatch({
          requests: batch.map((r) => r.request),
          spans: batch.flatMap((r) => r.spans),
        });
    }
    await collector.buffer.flush();
  } finally {
    await collector.stop();
    await cluster.stop();
  }
}

/** What the analysis named for one fault run, what was injected, and how long the diagnosis took. */
export interface FaultDiagnosis {
  causes: RankedCause[];
  truths: GroundTruth[];
  diagnosisMs: number;
}

/**
 * Runs the scenario, compares the faults' span with as long before it on the model's requests
 * (as an alert would), and closes the store.
 */
export async function diagnoseFaultScenario(
  kinds: FaultKind | readonly FaultKind[],
  seed: number,
): Promise<FaultDiagnosis> {
  const run = await runFaultScenario(kinds, seed);
  try {
    const started = performance.now();
    const { causes } = await compareWindows(
      run.store,
      { where: { model: [run.model] } },
      run.window,
      run.baseline,
    );
    return { causes, truths: run.truths, diagnosisMs: performance.now() - started };
  } finally {
    await run.store.close();
  }
}
