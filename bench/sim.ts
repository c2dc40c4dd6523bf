/**
 * npm run bench:sim [-- --replicas 64 --seconds 120 --rate 1200]
 *
 * The simulator alone, faster than real time on one core (Node's event loop): how many
 * simulated requests it completes per wall-clock second across a fleet of replicas, with and
 * without building the ground-truth records (request + spans) for each one.
 */
import { parseArgs } from 'node:util';
import { renderTable } from '../src/cli/table.ts';
import { Fleet, type FleetReplicaSpec } from '../src/sim/fleet.ts';
import type { TenantProfile } from '../src/sim/workload.ts';

const { values: args } = parseArgs({
  options: {
    replicas: { type: 'string', default: '64' },
    seconds: { type: 'string', default: '120' },
    rate: { type: 'string', default: '1200' },
  },
});
const REPLICAS = Number(args.replicas);
const SIM_SECONDS = Number(args.seconds);
const RATE = Number(args.rate);

function fleetOptions() {
  const models = ['llama-3-8b', 'llama-3-70b', 'qwen2.5-32b', 'mixtral-8x7b'] as const;
  const layout: Record<
    (typeof models)[number],
    Pick<FleetReplicaSpec, 'engine' | 'gpuType' | 'tensorParallel'>
  > = {
    'llama-3-8b': { engine: 'vllm', gpuType: 'H100', tensorParallel: 1 },
    'llama-3-70b': { engine: 'vllm', gpuType: 'H100', tensorParallel: 4 },
    'qwen2.5-32b': { engine: 'sglang', gpuType: 'H200', tensorParallel: 2 },
    'mixtral-8x7b': { engine: 'trtllm', gpuType: 'A100-80GB', tensorParallel: 2 },
  };
  const replicas: FleetReplicaSpec[] = Array.from({ length: REPLICAS }, (_, i) => {
    const model = models[i % models.length] as (typeof models)[number];
    return {
      replica: `r${i}`,
      cluster: `c${i % 2}`,
      namespace: 'bench',
      node: `n${Math.floor(i / 4)}`,
      model,
      ...layout[model],
    };
  });
  // Rate per model in proportion to its replicas' capacity (a 70B replica serves fewer req/s).
  const weight = { 'llama-3-8b': 4, 'llama-3-70b': 1, 'qwen2.5-32b': 1.2, 'mixtral-8x7b': 1 };
  const total = models.reduce((sum, m) => sum + weight[m], 0);
  const tenants: TenantProfile[] = models.map((model) => ({
    tenant: `t-${model}`,
    team: 'bench',
    model,
    requestsPerSecond: (RATE * weight[model]) / total,
    families: [{ id: `sys-${model}`, systemPromptTokens: 512, weight: 1 }],
    userPromptMedian: 300,
    userPromptSigma: 0.8,
    outputMedian: 120,
    outputSigma: 0.6,
    maxTokens: 512,
  }));
  return { seed: 7, startUs: 0, replicas, workload: { tenants, diurnalAmplitude: 0, dayUs: 86_400e6 } };
}

function run(withRecords: boolean) {
  const fleet = new Fleet(fleetOptions());
  let finished = 0;
  let spans = 0;
  fleet.onFinish(() => finished++);
  if (withRecords) fleet.onRecord((r) => (spans += r.spans.length));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  fleet.runUntil(SIM_SECONDS * 1e6);
  const wallSeconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const steps = fleet.replicas.reduce((sum, r) => sum + r.engine.stats.steps, 0);
  const tokens = fleet.replicas.reduce((sum, r) => sum + r.engine.stats.generationTokens, 0);
  return {
    mode: withRecords ? 'with ground-truth records' : 'engine only',
    finished,
    spans,
    wallSeconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    perWallSecond: finished / wallSeconds,
    speedup: SIM_SECONDS / wallSeconds,
    steps,
    tokens,
  };
}

const results = [run(false), run(true)];
const f = (n: number, d = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
console.log(
  `\nsimulator benchmark: ${REPLICAS} replicas, ${f(RATE)} req/s offered, ${SIM_SECONDS} s simulated\n`,
);
console.log(
  renderTable(
    [
      'mode',
      'requests done',
      'wall s',
      'CPU s',
      'sim requests / wall s',
      'faster than real time',
      'engine steps',
      'tokens generated',
    ],
    results.map((r) => [
      r.mode,
      f(r.finished),
      f(r.wallSeconds, 2),
      f(r.cpuSeconds, 2),
      f(r.perWallSecond),
      `${f(r.speedup, 1)}×`,
      f(r.steps),
      f(r.tokens),
    ]),
  ),
);
console.log('target: ≥ 1,000 simulated requests per wall-clock second across 64 replicas on one core.');
