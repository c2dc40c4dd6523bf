import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeRequest } from '../../../model/request.ts';
import type { MetricSample } from '../../../model/metric-sample.ts';
import type { RequestRecord } from '../../../normalize/merge-gateway.ts';
import { seededRandom } from '../../../../test/support/random.ts';
import { LEDGER_USD_METRIC, LedgerPricing, busySpan, type PricedSink } from './ledger-pricing.ts';

const ACCOUNT = {
  terms: { usdPerHour: 3.6, gpuCount: 1, capacity: 4 },
  cluster: 'c',
  model: 'm',
  engine: 'llamacpp',
  labels: { workload: 'w' },
};
const TIMING = { settleUs: 2e6, maxHoldUs: 60e6, maxGapUs: 30e6 };

class Sink implements PricedSink {
  records: RequestRecord[] = [];
  samples: MetricSample[] = [];
  offerRequests(records: readonly RequestRecord[]) {
    this.records.push(...records);
    return true;
  }
  offerSamples(samples: readonly MetricSample[]) {
    this.samples.push(...samples);
    return true;
  }
}

const running = (replica: string, timeMs: number, value: number): MetricSample => ({
  timeMs,
  name: 'llm.requests.running',
  value,
  cluster: 'c',
  model: 'm',
  replica,
  engine: 'llamacpp',
  labels: {},
});

const record = (
  id: string,
  replica: string,
  startMs: number,
  busyMs: number,
  costUsd: number | null = null,
) => ({
  request: makeRequest({
    requestId: id,
    replica,
    arrivalUs: startMs * 1000,
    e2eUs: busyMs * 1000,
    prefillUs: busyMs * 100,
    decodeUs: busyMs * 900,
    costUsd,
  }),
  spans: [],
});

describe('ledger pricing stage', () => {
  it('holds requests until their intervals settle, then prices them so they add up with the ledger to the bill', () => {
    const seed = Date.now() % 10_000;
    const random = seededRandom(seed);
    const sink = new Sink();
    const stage = new LedgerPricing(sink, (r) => (r === 'r0' ? ACCOUNT : undefined), TIMING, {
      maxWaiting: 1000,
    });
    const requests = Array.from({ length: 50 }, (_, i) =>
      record(`q${i}`, 'r0', 1000 + random() * 55_000, 200 + random() * 3000),
    );
    const events = [
      ...Array.from({ length: 13 }, (_, i) => ({ atMs: i * 5000, scrape: true })),
      ...requests.map((r) => ({ atMs: (r.request.arrivalUs + r.request.e2eUs!) / 1000, r })),
    ].sort((a, b) => a.atMs - b.atMs);
    for (const e of events) {
      if ('r' in e) assert.equal(stage.offerRequests([e.r!]), true);
      else {
        const busy = requests.filter((r) => {
          const s = busySpan(r.request)!;
          return s.startUs <= e.atMs * 1000 && s.endUs > e.atMs * 1000;
        }).length;
        stage.observeSamples([running('r0', e.atMs, busy)]);
      }
      stage.settle(e.atMs * 1000);
    }
    assert.ok(stage.held > 0, `seed ${seed}: requests wait for their intervals`);
    stage.settleAll();
    assert.equal(stage.held, 0);
    assert.equal(sink.records.length, 50);
    const part = (p: string) =>
      sink.samples
        .filter((s) => s.name === LEDGER_USD_METRIC && s.labels.part === p)
        .reduce((a, s) => a + s.value, 0);
    // 12 intervals of 5 s at $3.60/h = $0.06.
    assert.ok(Math.abs(part('bill') - 0.06) < 1e-12, String(part('bill')));
    const usage = sink.records.reduce((a, r) => a + (r.request.costUsd ?? 0), 0);
    assert.ok(Math.abs(part('usage') - usage) < 1e-12, `${part('usage')} vs ${usage}`);
    assert.ok(
      Math.abs(part('usage') + part('underfilled') + part('idle') + part('unattributed') - 0.06) < 1e-12,
    );
    assert.ok(sink.records.every((r) => r.request.attributes['kb.cost']?.startsWith('ledger')));
    assert.ok(sink.samples.every((s) => s.labels.workload === 'w'));
  });

  it('puts the cache hit’s saving beside the price: the prefill cost of the tokens it did not compute', () => {
    const sink = new Sink();
    const stage = new LedgerPricing(sink, () => ACCOUNT, TIMING, { maxWaiting: 10 });
    stage.observeSamples([running('r0', 0, 0)]);
    const hit = record('hit', 'r0', 1000, 1000); // prefill 0.1 s, decode 0.9 s
    hit.request.promptTokens = 1000;
    hit.request.cachedPromptTokens = 750;
    stage.offerRequests([hit]);
    stage.observeSamples([running('r0', 5000, 0)]);
    stage.settle(60e6);
    const priced = sink.records[0]!.request;
    // 1 s alone in a 4-slot batch at $3.60/h: $0.00025; its prefill tenth over 250 computed tokens.
    assert.ok(Math.abs(priced.costUsd! - 0.00025) < 1e-15, String(priced.costUsd));
    assert.ok(
      Math.abs(priced.cacheSavingsUsd! - (0.000025 / 250) * 750) < 1e-15,
      String(priced.cacheSavingsUsd),
    );
  });

  it('passes on at once what it cannot price, and pushes back past its limit', () => {
    const sink = new Sink();
    const stage = new LedgerPricing(sink, (r) => (r === 'r0' ? ACCOUNT : undefined), TIMING, {
      maxWaiting: 2,
    });
    stage.offerRequests([record('priced', 'r0', 0, 100, 0.5), record('elsewhere', 'x', 0, 100)]);
    assert.deepEqual(
      sink.records.map((r) => r.request.requestId),
      ['priced', 'elsewhere'],
    );
    assert.equal(sink.records[0]!.request.costUsd, 0.5, 'the simulator’s exact price is kept');
    assert.equal(stage.offerRequests([record('a', 'r0', 0, 100), record('b', 'r0', 0, 100)]), true);
    assert.equal(stage.offerRequests([record('c', 'r0', 0, 100)]), false);
  });
});
