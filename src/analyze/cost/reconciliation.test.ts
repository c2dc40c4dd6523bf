import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeRequest } from '../../model/request.ts';
import type { MetricSample } from '../../model/metric-sample.ts';
import type { RequestRecord } from '../../normalize/merge-gateway.ts';
import { DuckDbStore } from '../../store/duckdb/duckdb-store.ts';
import { seededRandom } from '../../../test/support/random.ts';
import { LedgerPricing } from './ledger/ledger-pricing.ts';
import { reconciliation } from './reconciliation.ts';

const DAY_MS = 86_400_000;
const START_MS = Date.UTC(2026, 10, 30, 23, 50); // ten minutes before a day (and month) ends

describe('cost reconciliation per period and cluster', () => {
  it('adds the ledger’s parts up to the bill each day and cluster, beside the requests’ cost', async () => {
    const seed = Date.now() % 10_000;
    const random = seededRandom(seed);
    const store = await DuckDbStore.open({ path: ':memory:' });
    const records: RequestRecord[] = [];
    const samples: MetricSample[] = [];
    const account = (replica: string) => ({
      terms: {
        usdPerHour: replica === 'a-0' ? 6.88 : 2.745,
        gpuCount: 1,
        capacity: replica === 'a-0' ? 8 : null,
      },
      cluster: replica === 'a-0' ? 'east' : 'west',
      model: 'm',
      engine: 'vllm',
      labels: {},
    });
    const pricing = new LedgerPricing(
      { offerRequests: (r) => (records.push(...r), true), offerSamples: (s) => (samples.push(...s), true) },
      account,
      { settleUs: 2e6, maxHoldUs: 30e6, maxGapUs: 30e6 },
      { maxWaiting: 1e6 },
    );
    // Twenty minutes of two replicas scraped every 5 s, a request every ~2 s on each.
    const requests = ['a-0', 'b-0'].flatMap((replica) =>
      Array.from({ length: 600 }, (_, i) => {
        const arrivalUs = (START_MS + i * 2000 + random() * 1000) * 1000;
        const busyUs = 200_000 + random() * 3e6;
        return makeRequest({
          requestId: `${replica}-${i}`,
          replica,
          cluster: account(replica).cluster,
          arrivalUs,
          e2eUs: busyUs,
          prefillUs: busyUs / 10,
          decodeUs: (busyUs * 9) / 10,
        });
      }),
    );
    for (let t = START_MS; t <= START_MS + 20 * 60_000; t += 5000) {
      for (const replica of ['a-0', 'b-0']) {
        const running = requests.filter(
          (r) => r.replica === replica && r.arrivalUs <= t * 1000 && r.arrivalUs + r.e2eUs! > t * 1000,
        ).length;
        pricing.observeSamples([
          {
            timeMs: t,
            name: 'llm.requests.running',
            value: running,
            cluster: 'x',
            model: 'm',
            replica,
            engine: 'vllm',
            labels: {},
          },
        ]);
      }
      pricing.offerRequests(
        requests
          .filter((r) => r.arrivalUs + r.e2eUs! <= t * 1000 && r.arrivalUs + r.e2eUs! > (t - 5000) * 1000)
          .map((request) => ({ request, spans: [] })),
      );
      pricing.settle(t * 1000);
    }
    pricing.settleAll();
    await store.writeBatch({ requests: records.map((r) => r.request), spans: [] });
    await store.writeMetricSamples(samples);
    const lines = await reconciliation(store, {
      range: { fromUs: (START_MS - DAY_MS) * 1000, toUs: (START_MS + DAY_MS) * 1000 },
      granularity: 'day',
    });
    assert.deepEqual(
      lines.map((l) => [new Date(l.periodStartUs / 1000).toISOString().slice(0, 10), l.cluster]),
      [
        ['2026-11-30', 'east'],
        ['2026-11-30', 'west'],
        ['2026-12-01', 'east'],
        ['2026-12-01', 'west'],
      ],
      `seed ${seed}`,
    );
    for (const line of lines) {
      assert.ok(Math.abs(line.gapUsd) < 1e-9, `seed ${seed}: ${JSON.stringify(line)}`);
      assert.ok(line.usd.bill > 0 && line.usd.usage > 0);
      assert.equal(
        line.usd.underfilled > 0,
        line.cluster === 'east',
        'under-filled only where the batch size is known',
      );
    }
    const total = (k: 'bill' | 'usage') => lines.reduce((s, l) => s + l.usd[k], 0);
    // 20 min of two replicas at $6.88 and $2.745 an hour.
    assert.ok(Math.abs(total('bill') - (6.88 + 2.745) / 3) < 1e-9, String(total('bill')));
    // Requests and ledger agree in total (per day they differ by requests straddling midnight).
    const requestsUsd = lines.reduce((s, l) => s + l.requestsUsd, 0);
    assert.ok(Math.abs(requestsUsd - total('usage')) < 1e-9, `${requestsUsd} vs ${total('usage')}`);
    await store.close();
  });
});
