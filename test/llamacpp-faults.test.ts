import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { WindowComparison } from '../src/analyze/rca/compare-windows.ts';
import type { Cause } from '../src/analyze/rca/causes/cause.ts';
import type { CliProcess } from './support/cli-process.ts';
import { collectInFrontOf } from './support/llama-collect.ts';
import { llamaServerMissing, startLlamaServer, type RunningLlamaServer } from './support/llama-server.ts';
import { ClosedLoopWorkload, dutyCycle, type WorkloadMode } from './support/llama-workload.ts';
import { pick, seededRandom } from './support/random.ts';

/**
 * Real faults on upstream llama.cpp's `llama-server` (CPU, 4 slots of 512 tokens) behind
 * `kubeburner collect` and its gateway: closed-loop clients run a cache-friendly chat workload,
 * then each fault in turn — prompts turned cache-unfriendly, long unique prompts that overflow the
 * slots' context, concurrency × 4, and the engine process paused on a duty cycle — with a healthy
 * stretch before each. `/api/analysis/window` is asked about an alert-shaped window (starting
 * before the fault, ending some seconds into it) against the healthy stretch before it, and must
 * name the fault, or say inconclusive with it among the candidates.
 *
 * Time is scaled down for CI (about 40 s of fault instead of minutes): the analysis sizes its
 * onset buckets and focus to the window, and the engine's phases come from its own timings.
 */
const seconds = (name: string, fallback: number) => Number(process.env[name] ?? fallback) * 1000;
const HEALTHY_MS = seconds('KUBEBURNER_FAULT_HEALTHY_S', 50);
const FAULT_MS = seconds('KUBEBURNER_FAULT_S', 40);
const WINDOW_MS = seconds('KUBEBURNER_FAULT_WINDOW_S', 60);
/** The first seconds after a fault are its recovery: not part of the next fault's baseline. */
const RECOVERY_MS = 8000;

const WORDS = [
  'alpha',
  'bravo',
  'charlie',
  'delta',
  'echo',
  'fox',
  'golf',
  'hotel',
  'india',
  'juliet',
  'kilo',
  'lima',
  'mike',
  'oscar',
  'papa',
  'romeo',
  'sierra',
  'tango',
  'victor',
  'zulu',
];
const words = (random: () => number, n: number) =>
  Array.from({ length: n }, () => pick(random, WORDS)).join(' ');

interface Fault {
  name: string;
  /** What the analysis should name; `also` are answers as right (one fault, two faces). */
  expected: Cause;
  also?: Cause[];
  mode?: (healthy: WorkloadMode) => WorkloadMode;
  /** Started at the fault's start; what it returns ends it. */
  onEngine?: (engine: RunningLlamaServer) => () => Promise<void>;
}

describe(
  'real faults on a real llama.cpp engine',
  { skip: llamaServerMissing() ?? false, timeout: 900_000 },
  () => {
    const seed = Number(process.env.KUBEBURNER_TEST_SEED ?? Date.now() % 1_000_000);
    const random = seededRandom(seed);
    // A system prompt every request shares (about 220 tokens): the engine serves it from its cache.
    const systemPrompt = words(random, 100);
    const healthy: WorkloadMode = {
      concurrency: 2,
      prompt: (r) => `${systemPrompt} ${words(r, 8)}`,
      maxTokens: (r) => 16 + Math.floor(r() * 24),
      thinkMs: 150,
    };
    const FAULTS: Fault[] = [
      {
        name: 'cache-unfriendly prompts (same length, unique prefix)',
        expected: 'prefix_cache_miss',
        mode: (h) => ({ ...h, prompt: (r) => `${words(r, 100)} ${words(r, 8)}` }),
      },
      {
        name: 'long unique prompts overflowing the slots’ 512-token context',
        expected: 'kv_pressure',
        also: ['prefill_bottleneck'],
        mode: (h) => ({ ...h, prompt: (r) => words(r, 180 + Math.floor(r() * 70)) }),
      },
      {
        name: 'load spike (concurrency × 4)',
        expected: 'queue_saturation',
        mode: (h) => ({ ...h, concurrency: h.concurrency * 4 }),
      },
      {
        name: 'slowed engine (process paused 150 ms of every 400)',
        expected: 'decode_bottleneck',
        onEngine: (engine) => dutyCycle(engine.process, 150, 400),
      },
    ];

    let engine: RunningLlamaServer;
    let collect: CliProcess;
    let api: string;
    const injected: { fault: Fault; startMs: number; endMs: number }[] = [];
    const answers = new Map<string, WindowComparison>();

    before(async () => {
      console.log(`real-engine faults: seed ${seed} (KUBEBURNER_TEST_SEED replays it)`);
      engine = await startLlamaServer({ slots: 4, contextTokens: 2048, threads: 1 });
      let gateway: string;
      ({ collect, api, gateway } = await collectInFrontOf(engine, {
        prefix: 'kb-llamacpp-faults-',
        usdPerHour: 0.12,
        intervalS: 1,
      }));
      const workload = new ClosedLoopWorkload(
        { baseUrl: gateway, model: 'tiny-llama', idPrefix: `fault-${seed}` },
        random,
        healthy,
      );
      for (const fault of FAULTS) {
        await sleep(HEALTHY_MS);
        const startMs = Date.now();
        if (fault.mode) workload.setMode(fault.mode(healthy));
        const end = fault.onEngine?.(engine);
        await sleep(FAULT_MS);
        await end?.();
        workload.setMode(healthy);
        injected.push({ fault, startMs, endMs: Date.now() });
      }
      await workload.stop();
      console.log(
        `sent ${workload.counts.sent}; answers by status ${JSON.stringify([...workload.counts.statuses])}`,
      );
      await sleep(10_000); // the last requests are priced (the ledger settles 6 s after a scrape) and stored
      for (const [i, { fault, startMs, endMs }] of injected.entries()) {
        // An alert's window: it fires some seconds into the fault, its window reaching back before it.
        const window = { from: endMs - WINDOW_MS, to: endMs };
        const baseline = {
          from: (injected[i - 1]?.endMs ?? startMs - HEALTHY_MS) + RECOVERY_MS,
          to: window.from,
        };
        const query = new URLSearchParams({
          from: String(window.from),
          to: String(window.to),
          baseline_from: String(baseline.from),
          baseline_to: String(baseline.to),
          model: 'tiny-llama',
        });
        const response = await fetch(`${api}/api/analysis/window?${query}`);
        assert.equal(response.status, 200, await response.clone().text());
        const answer = (await response.json()) as WindowComparison;
        answers.set(fault.name, answer);
        const top = answer.causes
          .slice(0, 3)
          .map((c) => `${c.cause} ${c.score.toFixed(2)}`)
          .join(', ');
        console.log(
          `${fault.name}: ${answer.verdict.kind === 'cause' ? answer.verdict.cause.cause : 'inconclusive'} [${top}]`,
        );
      }
    });

    after(async () => {
      await collect?.stop();
      await engine?.stop();
    });

    for (const fault of FAULTS)
      it(`names ${fault.name} as ${fault.expected}`, () => {
        const answer = answers.get(fault.name);
        assert.ok(answer, 'analysed');
        const right = [fault.expected, ...(fault.also ?? [])];
        const { verdict } = answer;
        const detail = JSON.stringify(answer.causes.slice(0, 3).map((c) => c.summary));
        if (verdict.kind === 'cause')
          assert.ok(right.includes(verdict.cause.cause), `named ${verdict.cause.cause}: ${detail}`);
        else
          assert.ok(
            verdict.candidates.some((c) => right.includes(c.cause)),
            `inconclusive (${verdict.reason}) without ${fault.expected} among the candidates: ${detail}`,
          );
      });
  },
);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
