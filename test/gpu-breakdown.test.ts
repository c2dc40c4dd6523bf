import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chargebackReport } from '../src/analyze/cost/chargeback.ts';
import { PriceBook } from '../src/analyze/cost/price-book.ts';
import { LedgerPricing } from '../src/analyze/cost/ledger/ledger-pricing.ts';
import { LEDGER_TIMING } from '../src/collect/collector.ts';
import { GPU_TIME_PARTS, gpuTimeBreakdown } from '../src/analyze/gpu-breakdown.ts';
import type { MetricSample } from '../src/model/metric-sample.ts';
import { makeRequest, type InferenceRequest } from '../src/model/request.ts';
import type { Span } from '../src/model/span.ts';
import { Fleet } from '../src/sim/fleet.ts';
import { GPUS } from '../src/sim/hardware.ts';
import { MODEL_CARDS } from '../src/sim/model-cards.ts';
import { DEFAULT_ROOFLINE, stepTime } from '../src/sim/roofline.ts';
import { demoReplicas } from '../src/sim/scenarios.ts';
import { DuckDbStore } from '../src/store/duckdb/duckdb-store.ts';
import { replicaSample } from './support/samples.ts';

const START = Date.UTC(2026, 10, 25, 9) * 1000;
const PROMPT = 1050;
const OUTPUT = 10;

const at = (s: number) => START + s * 1e6;
const near = (a: number, b: number, what: string) =>
  assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);
/** $3.60 per H100-hour: $0.001 per GPU-second, so GPU-seconds and dollars convert by hand. */
const handPrices = () => new PriceBook('on_demand', [{ gpu_type: 'H100', usd_per_gpu_hour: 3.6 }]);
/** A request on the hand-built 2-GPU replica r0, from second `from` to second `to`. */
const handRequest = (
  id: string,
  status: InferenceRequest['status'],
  from: number,
  to: number,
  fields: Partial<InferenceRequest> = {},
) =>
  makeRequest({
    requestId: id,
    arrivalUs: at(from),
    finishedUs: at(to),
    replica: 'r0',
    cluster: 'c',
    model: 'm',
    gpuType: 'H100',
    gpuCount: 2,
    status,
    ...fields,
  });

/**
 * The hand-built replica r0's scrapes: its running gauge every 10 s for 100 s (held the whole
 * window) and `idleUsd` of idle cost recorded at second `idleAt`.
 */
const handScrapes = (idleUsd: number, idleAt: number): MetricSample[] => [
  ...Array.from({ length: 10 }, (_, i) => replicaSample('r0', 'llm.requests.running', 1, at(i * 10) / 1000)),
  replicaSample('r0', 'llm.gpu.idle_cost', idleUsd, at(idleAt) / 1000),
];

/**
 * A small deterministic run worked out by hand: one vLLM 8B replica on one H100, requests of
 * exactly 1,050 unique prompt tokens and 10 output tokens, few enough that each runs alone. Its
 * running gauge is sampled every simulated second and its requests go through the cost ledger
 * exactly as the collector's do, which records the idle time.
 */
async function smallRun(seconds: number) {
  const prices = new PriceBook();
  const fleet = new Fleet({
    seed: 2, // a seed whose requests never overlap (checked below)
    startUs: START,
    replicas: demoReplicas().filter((r) => r.replica === 'vllm-llama-3-8b-0'),
    workload: {
      tenants: [
        {
          tenant: 'solo',
          team: 'a',
          model: 'llama-3-8b',
          requestsPerSecond: 0.2,
          families: [],
          userPromptMedian: PROMPT,
          userPromptSigma: 0,
          outputMedian: OUTPUT,
          outputSigma: 0,
          maxTokens: 64,
        },
      ],
      diurnalAmplitude: 0,
      dayUs: 86_400e6,
    },
  });
  const finished: { request: InferenceRequest; spans: Span[] }[] = [];
  const samples: MetricSample[] = [];
  const pricing = new LedgerPricing(
    {
      offerRequests: () => true,
      offerSamples: (s) => (samples.push(...s), true),
    },
    () => ({
      terms: { usdPerHour: prices.findUsdPerGpuHour('H100', 'us-east-1')!, gpuCount: 1, capacity: null },
      cluster: 'us-east-1',
      model: 'llama-3-8b',
      engine: 'vllm',
      labels: {},
    }),
    LEDGER_TIMING,
    { maxWaiting: 1e6 },
  );
  fleet.onRecord((record) => {
    finished.push(record);
    pricing.offerRequests([record]);
  });
  const replica = fleet.replicas[0];
  assert.ok(replica);
  for (let s = 0; s <= seconds; s++) {
    fleet.runUntil(START + s * 1e6);
    const running: MetricSample = {
      timeMs: (START + s * 1e6) / 1000,
      name: 'llm.requests.running',
      value: replica.engine.running.length,
      cluster: 'us-east-1',
      model: 'llama-3-8b',
      replica: 'vllm-llama-3-8b-0',
      engine: 'vllm',
      labels: {},
    };
    samples.push(running);
    pricing.observeSamples([running]);
    pricing.settle(START + s * 1e6);
  }
  pricing.settleAll();
  const store = await DuckDbStore.open({ path: ':memory:' });
  await store.writeBatch({
    requests: finished.map((f) => f.request),
    spans: finished.flatMap((f) => f.spans),
  });
  await store.writeMetricSamples(samples);
  return { store, prices, finished, replica };
}

describe('GPU time breakdown on a deterministic simulator run', () => {
  it('splits held GPU time into prefill, decode and idle that match the roofline and the idle line', async () => {
    const seconds = 120;
    const { store, prices, finished, replica } = await smallRun(seconds);
    try {
      const range = { fromUs: START, toUs: START + seconds * 1e6 };
      const report = await gpuTimeBreakdown(store, prices, { range });
      const [row] = report.replicas;
      assert.ok(row && report.replicas.length === 1, 'one replica');
      const requests = finished.map((f) => f.request).filter((r) => (r.finishedUs ?? Infinity) < range.toUs);
      assert.ok(requests.length >= 15, `${requests.length} requests`);
      // Each request ran alone (no two overlap), so each step was one request's.
      const sorted = [...requests].sort((a, b) => a.arrivalUs - b.arrivalUs);
      for (let i = 1; i < sorted.length; i++)
        assert.ok(
          (sorted[i] as InferenceRequest).arrivalUs >= ((sorted[i - 1] as InferenceRequest).finishedUs ?? 0),
          `requests ${i - 1} and ${i} overlap`,
        );

      // Held: 1 GPU × 120 s. Shares sum to 1.
      assert.equal(row.heldGpuSeconds, seconds);
      const shareSum = GPU_TIME_PARTS.reduce((s, p) => s + row.parts[p].share, 0);
      assert.ok(Math.abs(shareSum - 1) < 1e-12, `shares sum to ${shareSum}`);

      // By hand: a lone 1,050-token prompt is one prefill step of the roofline's time, computing
      // 1,050 tokens attending to 1,050·1,051/2 earlier positions; the step also yields token 1.
      const card = MODEL_CARDS['llama-3-8b'];
      assert.ok(card);
      const prefillStepUs = Math.round(
        stepTime(
          {
            prefillTokens: PROMPT,
            prefillAttentionContext: (PROMPT * (PROMPT + 1)) / 2,
            decodeSeqs: 0,
            decodeContextTokens: 0,
          },
          card,
          GPUS.H100,
          1,
          DEFAULT_ROOFLINE,
        ).totalUs,
      );
      // The 9 later tokens are decode steps over a context of 1,051 … 1,059 tokens.
      let decodeUs = 0;
      for (let k = 1; k < OUTPUT; k++)
        decodeUs += Math.round(
          stepTime(
            { prefillTokens: 0, prefillAttentionContext: 0, decodeSeqs: 1, decodeContextTokens: PROMPT + k },
            card,
            GPUS.H100,
            1,
            DEFAULT_ROOFLINE,
          ).totalUs,
        );
      const complete = requests.length;
      assert.equal(complete, finished.length, 'every request finished inside the window');
      const close = (a: number, b: number, what: string) =>
        assert.ok(Math.abs(a - b) <= 1e-6 * Math.max(1, b), `${what}: ${a} vs ${b}`);
      close(row.parts.prefill.gpuSeconds, (complete * prefillStepUs) / 1e6, 'prefill GPU-s');
      close(row.parts.decode.gpuSeconds, (complete * decodeUs) / 1e6, 'decode GPU-s');
      // Busy time equals the engine's own step time (nothing double counted or lost).
      const busy = row.parts.prefill.gpuSeconds + row.parts.decode.gpuSeconds;
      close(busy, replica.engine.stats.busySeconds, 'busy GPU-s vs the engine');
      for (const part of ['recomputed_prefill', 'communication_wait', 'abandoned'] as const)
        assert.equal(row.parts[part].gpuSeconds, 0, part);

      // Idle is the cost model's idle line, to the cent and beyond.
      const chargeback = await chargebackReport(store, { range, by: ['cluster'], granularity: 'day' });
      close(row.parts.idle.usd, chargeback.idleCostUsd, 'idle $ vs the chargeback idle line');
      assert.ok(row.parts.idle.share > 0.9, 'a replica at 0.2 req/s is mostly idle');
      // Sampled once a second, a step that spans a sample is called busy for that second: what is
      // neither step nor idle is the sampling's coarseness, under one second per request.
      assert.ok(row.parts.unattributed.gpuSeconds < complete + 1);
      assert.equal(report.clusters[0]?.parts.idle.usd, row.parts.idle.usd);
    } finally {
      await store.close();
    }
  });

  it('charges recompute, abandoned work and waits on a slow peer to their own parts, by hand', async () => {
    // A 2-GPU replica at $3.60 per GPU-hour ($0.001 per GPU-second), a 100 s window, scraped every
    // 10 s. Every expected number below is arithmetic on these inputs.
    const store = await DuckDbStore.open({ path: ':memory:' });
    try {
      const prices = handPrices();
      const perGpuSecond = 0.001;
      const request = handRequest;
      let n = 0;
      const span = (
        r: InferenceRequest,
        kind: Span['kind'],
        from: number,
        seconds: number,
        gpuSeconds: number,
      ): Span => ({
        traceId: '0'.repeat(32),
        spanId: (++n).toString(16).padStart(16, '0'),
        parentSpanId: null,
        requestId: r.requestId,
        kind,
        name: kind,
        startUs: at(from),
        durationUs: seconds * 1e6,
        estimated: false,
        costUsd: gpuSeconds * perGpuSecond,
        attributes: {},
      });
      const ok = request('ok', 'ok', 10, 40);
      const preempted = request('pre', 'ok', 20, 50);
      const gaveUp = request('gone', 'cancelled', 30, 60);
      // Straddles the window's end: half of its decode falls inside.
      const late = request('late', 'ok', 90, 110);
      await store.writeBatch({
        requests: [ok, preempted, gaveUp, late],
        spans: [
          span(ok, 'queue', 10, 2, 0),
          span(ok, 'prefill', 12, 2, 4),
          span(ok, 'decode', 14, 26, 20),
          span(preempted, 'prefill', 20, 2, 4),
          span(preempted, 'preemption_wait', 30, 4, 6),
          span(preempted, 'decode', 34, 16, 10),
          span(gaveUp, 'prefill', 30, 2, 2),
          span(gaveUp, 'decode', 32, 28, 8),
          span(late, 'prefill', 90, 2, 3),
          span(late, 'decode', 92, 16, 16),
        ],
      });
      // $0.02 of idle: 20 GPU-seconds.
      const samples = handScrapes(0.02, 70);
      // DCGM: GPU 0 active 80 % of the time, GPU 1 only 60 % (it waits for GPU 0 in the all-reduce).
      for (const [gpu, active] of [
        ['0', 0.8],
        ['1', 0.6],
      ] as const)
        samples.push({
          ...(samples[0] as MetricSample),
          name: 'gpu.engine_active',
          value: active,
          labels: { gpu },
        });
      await store.writeMetricSamples(samples);

      const report = await gpuTimeBreakdown(store, prices, { range: { fromUs: at(0), toUs: at(100) } });
      const [row] = report.replicas;
      assert.ok(row);
      // Held: 2 GPUs × 100 s = 200 GPU-s. Priced spans inside: prefill 4 + 4 + 3 = 11, decode
      // 20 + 10 + 16 × 8/16 = 38, recompute 6, abandoned 2 + 8 = 10; idle 20; unattributed the rest.
      // Peer wait: mean of (0.8 − 0.8)/0.8 and (0.8 − 0.6)/0.8 = 0.125 of every busy part.
      near(row.heldGpuSeconds, 200, 'held');
      near(row.parts.prefill.gpuSeconds, 11 * 0.875, 'prefill');
      near(row.parts.decode.gpuSeconds, 38 * 0.875, 'decode');
      near(row.parts.recomputed_prefill.gpuSeconds, 6 * 0.875, 'recompute');
      near(row.parts.abandoned.gpuSeconds, 10 * 0.875, 'abandoned');
      near(row.parts.communication_wait.gpuSeconds, 65 * 0.125, 'waiting on the slow GPU');
      near(row.parts.idle.gpuSeconds, 20, 'idle');
      near(row.parts.idle.usd, 0.02, 'idle $');
      near(row.parts.unattributed.gpuSeconds, 200 - 20 - 65, 'unattributed');
      near(row.parts.decode.share, (38 * 0.875) / 200, 'decode share');
      near(
        GPU_TIME_PARTS.reduce((sum, p) => sum + row.parts[p].share, 0),
        1,
        'shares',
      );
      assert.equal(row.attributionScale, 1);
      assert.equal(row.attributedFrom, 'spans');
    } finally {
      await store.close();
    }
  });

  it('splits requests priced only at request level (the cost ledger) by their prefill and decode time', async () => {
    // Engines collected from traces carry a request cost and phase times but no priced spans.
    // 2 GPUs at $0.001 per GPU-second, a 100 s window, requests counted when they complete in it.
    const store = await DuckDbStore.open({ path: ':memory:' });
    try {
      const prices = handPrices();
      const request = (
        id: string,
        status: InferenceRequest['status'],
        from: number,
        to: number,
        usd: number,
        prefillS: number,
        decodeS: number,
      ) =>
        handRequest(id, status, from, to, {
          costUsd: usd,
          prefillUs: prefillS * 1e6,
          decodeUs: decodeS * 1e6,
        });
      await store.writeBatch({
        requests: [
          request('a', 'ok', 10, 40, 0.03, 2, 28), // 30 GPU-s
          request('b', 'cancelled', 30, 60, 0.01, 1, 9), // 10 GPU-s abandoned
          request('c', 'ok', 70, 75, 0.012, 1, 3), // 12 GPU-s
          request('d', 'ok', 95, 110, 0.05, 1, 10), // completes after the window: not counted
        ],
        spans: [],
      });
      await store.writeMetricSamples(handScrapes(0.02, 50));
      const report = await gpuTimeBreakdown(store, prices, { range: { fromUs: at(0), toUs: at(100) } });
      const [row] = report.replicas;
      assert.ok(row);
      assert.equal(row.attributedFrom, 'requests');
      // The completed ones' 42 GPU-s split by their summed phase time: prefill 3 s, decode 31 s.
      near(row.parts.prefill.gpuSeconds, (42 * 3) / 34, 'prefill');
      near(row.parts.decode.gpuSeconds, (42 * 31) / 34, 'decode');
      near(row.parts.abandoned.gpuSeconds, 10, 'abandoned');
      near(row.parts.idle.gpuSeconds, 20, 'idle');
      near(row.parts.unattributed.gpuSeconds, 200 - 20 - 52, 'unattributed');
      near(
        GPU_TIME_PARTS.reduce((sum, p) => sum + row.parts[p].share, 0),
        1,
        'shares',
      );
    } finally {
      await store.close();
    }
  });
});
