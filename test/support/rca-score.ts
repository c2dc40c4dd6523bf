import { EXPECTED_CAUSE } from '../../src/analyze/rca/fault-causes.ts';
import type { FaultKind } from '../../src/sim/faults.ts';
import type { DrawnRun } from './drawn-fault-run.ts';

/** One drawn scenario, scored: what was injected, how visible it was, and what the analysis said. */
export interface ScoredRun {
  seed: number;
  fleet: string;
  kinds: string[];
  /** The first fault's drawn strength (0–1). */
  strength: number;
  /** Bad-event ratio in the window ÷ in the baseline. */
  badRise: number;
  /** The fault at least doubled the SLO's bad-event ratio. */
  visible: boolean;
  answer: string;
  outcome: 'right' | 'wrong' | 'inconclusive';
  diagnosisMs: number;
  /** A one-line account to replay and read a miss. */
  line: string;
}

/**
 * The answers that name an injected fault rightly. The kv_pressure fault sends longer prompts and
 * outputs; when they never fill the cache (a mild one) nothing is preempted and the right
 * account is the longer prompts themselves: prefill bottleneck.
 */
function acceptedCauses(kind: FaultKind): string[] {
  return kind === 'kv_pressure' ? ['kv_pressure', 'prefill_bottleneck'] : [EXPECTED_CAUSE[kind]];
}

export function scoreDrawnRun(run: DrawnRun): ScoredRun {
  const { scenario, comparison, badRatio } = run;
  const expected = scenario.faults.flatMap((f) => acceptedCauses(f.kind));
  const verdict = comparison.verdict;
  const answer = verdict.kind === 'cause' ? verdict.cause.cause : 'inconclusive';
  const outcome =
    verdict.kind === 'inconclusive' ? 'inconclusive' : expected.includes(answer) ? 'right' : 'wrong';
  const badRise = badRatio.window / Math.max(badRatio.baseline, 0.005);
  const faults = scenario.faults
    .map(
      (f) =>
        `${f.kind} (strength ${f.strength.toFixed(2)}, ×${(f.factor ?? 1).toFixed(2)}, ${(f.durationUs / 60e6).toFixed(1)} min)`,
    )
    .join(' + ');
  const candidates = comparison.causes
    .slice(0, 3)
    .map((c) => `${c.cause} ${c.score.toFixed(2)}`)
    .join(', ');
  return {
    seed: scenario.seed,
    fleet: scenario.fleet,
    kinds: scenario.faults.map((f) => f.kind),
    strength: scenario.faults[0]?.strength ?? 0,
    badRise,
    visible: badRise >= 2,
    answer,
    outcome,
    diagnosisMs: run.diagnosisMs,
    line:
      `seed ${scenario.seed}: ${scenario.fleet}, load ×${scenario.loadScale.toFixed(2)}, ${faults}; alert ` +
      `${((scenario.alertAtUs - (scenario.faults[0]?.atUs ?? 0)) / 60e6).toFixed(1)} min in; bad events ` +
      `${(badRatio.baseline * 100).toFixed(1)} → ${(badRatio.window * 100).toFixed(1)} %; answer ${answer} [${candidates}]`,
  };
}

interface Group {
  n: number;
  right: number;
  wrong: number;
  inconclusive: number;
}

function group(runs: readonly ScoredRun[]): Group {
  const count = (o: ScoredRun['outcome']) => runs.filter((r) => r.outcome === o).length;
  return {
    n: runs.length,
    right: count('right'),
    wrong: count('wrong'),
    inconclusive: count('inconclusive'),
  };
}

function groupBy(runs: readonly ScoredRun[], key: (r: ScoredRun) => string): Record<string, Group> {
  const keys = [...new Set(runs.map(key))].sort();
  return Object.fromEntries(keys.map((k) => [k, group(runs.filter((r) => key(r) === k))]));
}

const strengthBucket = (s: number) =>
  s < 1 / 3 ? 'mild (< 0.33)' : s < 2 / 3 ? 'medium' : 'severe (≥ 0.67)';

/** Accuracy tables: by visibility, strength and fleet, and the confusion matrix. */
export function summarize(runs: readonly ScoredRun[]) {
  const answers = [...new Set(runs.map((r) => r.answer))].sort();
  const injected = [...new Set(runs.map((r) => r.kinds[0] ?? ''))].sort();
  const times = runs.map((r) => r.diagnosisMs).sort((a, b) => a - b);
  return {
    all: group(runs),
    /** Faults that at least doubled the SLO's bad events, and the fainter ones. */
    visible: group(runs.filter((r) => r.visible)),
    faint: group(runs.filter((r) => !r.visible)),
    byStrength: groupBy(runs, (r) => strengthBucket(r.strength)),
    byFleet: groupBy(runs, (r) => r.fleet),
    confusion: {
      columns: answers,
      rows: injected.map((kind) => [
        kind,
        ...answers.map((answer) => {
          const hits = runs.filter((r) => r.kinds[0] === kind && r.answer === answer);
          const right = hits.some((r) => r.outcome === 'right');
          return hits.length === 0 ? '' : `${hits.length}${right ? ' *' : ''}`;
        }),
      ]),
    },
    diagnosisMs: { median: times[Math.floor(times.length / 2)] ?? 0, max: times.at(-1) ?? 0 },
  };
}
