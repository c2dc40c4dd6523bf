import { compareWindows, type WindowComparison } from '../../src/analyze/rca/compare-windows.ts';
import { pickComparisonWindows } from '../../src/analyze/rca/comparison-windows.ts';
import type { InferenceRequest } from '../../src/model/request.ts';
import { drawScenario, type DrawnScenario } from '../../src/sim/drawn-scenario.ts';
import type { FaultKind, GroundTruth } from '../../src/sim/faults.ts';
import { Fleet } from '../../src/sim/fleet.ts';
import type { TimeRange } from '../../src/store/store.ts';
import { DuckDbStore } from '../../src/store/duckdb/duckdb-store.ts';
import { SCENARIO_START_US, simulateIntoStore } from './fault-scenario.ts';

/** The page alert's burn-rate windows (the SRE workbook's fast burn: 1 h long, 5 min short). */
const ALERT = { longUs: 3600e6, shortUs: 300e6 };
/** Prometheus' common scrape interval. */
const SCRAPE_EVERY_US = 15e6;

export interface DrawnRun {
  scenario: DrawnScenario;
  truths: GroundTruth[];
  comparison: WindowComparison;
  /**
   * Share of requests that broke the scenario's SLO in the baseline and in the analysed window: how
   * visible the fault was. The SLO is a 99 % one calibrated on the healthy fleet: an error, or TTFT
   * or TPOT above the baseline's 99th percentile, is a bad event.
   */
  badRatio: { baseline: number; window: number };
  diagnosisMs: number;
}

const p99 = (values: number[]) => {
  const sorted = values.sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? Infinity;
};

function badRatios(requests: InferenceRequest[], baseline: TimeRange, window: TimeRange) {
  const ended = (r: InferenceRequest, range: TimeRange) => {
    const end = r.arrivalUs + (r.e2eUs ?? 0);
    return end >= range.fromUs && end < range.toUs;
  };
  const before = requests.filter((r) => ended(r, baseline));
  const ttft = p99(before.flatMap((r) => (r.ttftUs === null ? [] : [r.ttftUs])));
  const tpot = p99(before.flatMap((r) => (r.tpotUs === null ? [] : [r.tpotUs])));
  const bad = (r: InferenceRequest) => r.status !== 'ok' || (r.ttftUs ?? 0) > ttft || (r.tpotUs ?? 0) > tpot;
  const ratio = (rs: InferenceRequest[]) => (rs.length > 0 ? rs.filter(bad).length / rs.length : 0);
  return { baseline: ratio(before), window: ratio(requests.filter((r) => ended(r, window))) };
}

/**
 * Draws the scenario of `seed`, simulates it up to the moment its alert fires, and analyses what
 * the product would: the alert's short window against the baseline the product picks.
 */
export async function runDrawnScenario(seed: number, kinds?: readonly FaultKind[]): Promise<DrawnRun> {
  const scenario = drawScenario(seed, SCENARIO_START_US, kinds);
  const fleet = new Fleet(scenario.options);
  const store = await DuckDbStore.open({ path: ':memory:' });
  try {
    const atUs = SCENARIO_START_US + scenario.alertAtUs;
    await simulateIntoStore(fleet, store, atUs, SCRAPE_EVERY_US);
    const filter = { where: { model: [scenario.model] } };
    const started = performance.now();
    const { window, baseline } = await pickComparisonWindows(
      store,
      { ...filter, range: { fromUs: atUs - ALERT.longUs, toUs: atUs }, timeBy: 'completion' },
      ALERT,
      atUs,
    );
    const comparison = await compareWindows(store, filter, window, baseline);
    const diagnosisMs = performance.now() - started;
    const requests = await store.searchRequests({
      range: { fromUs: SCENARIO_START_US, toUs: atUs + 1 },
      limit: 100_000,
    });
    return {
      scenario,
      truths: fleet.groundTruth,
      comparison,
      badRatio: badRatios(requests, baseline, window),
      diagnosisMs,
    };
  } finally {
    await store.close();
  }
}
