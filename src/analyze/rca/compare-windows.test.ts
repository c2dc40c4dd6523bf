import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeRequest, type InferenceRequest } from '../../model/request.ts';
import { DuckDbStore } from '../../store/duckdb/duckdb-store.ts';
import { compareWindows } from './compare-windows.ts';

const START = Date.UTC(2026, 10, 25, 10) * 1000;
const MIN = 60e6;

/**
 * Two requests a second for 10 minutes with the same engine timings throughout (queue 20 ms,
 * prefill 80 ms, decode 900 ms); from minute 5 every request spends `outsideMs` more outside the
 * engine (e.g. a gateway stuck on a slow policy lookup) instead of the usual 30 ms.
 */
function requests(outsideMs: number): InferenceRequest[] {
  const out: InferenceRequest[] = [];
  for (let i = 0; i < 1200; i++) {
    const arrivalUs = START + i * 0.5e6;
    const outside = (arrivalUs >= START + 5 * MIN ? outsideMs : 30) * 1000;
    const e2eUs = 20_000 + 80_000 + 900_000 + outside;
    out.push(
      makeRequest({
        requestId: `r${i}`,
        arrivalUs,
        finishedUs: arrivalUs + e2eUs,
        e2eUs,
        queueUs: 20_000,
        prefillUs: 80_000,
        decodeUs: 900_000,
        model: 'm',
        promptTokens: 500,
        outputTokens: 100,
      }),
    );
  }
  return out;
}

describe('window comparison', () => {
  let store: DuckDbStore;
  before(async () => {
    store = await DuckDbStore.open({ path: ':memory:' });
    await store.writeBatch({ requests: requests(400), spans: [] });
  });
  after(() => store.close());

  it('blames time outside the engine when the engine’s own phases did not change', async () => {
    const { causes } = await compareWindows(
      store,
      { where: { model: ['m'] } },
      { fromUs: START + 6 * MIN, toUs: START + 10 * MIN },
      { fromUs: START + 1 * MIN, toUs: START + 5 * MIN },
    );
    const [top] = causes;
    assert.equal(top?.cause, 'gateway_overhead');
    assert.equal(causes.length, 1, 'nothing in the engine changed');
    const outside = top.evidence.find((e) => e.metric === 'time outside the engine');
    assert.ok(
      outside && Math.abs((outside.before ?? 0) - 30) < 1e-6 && Math.abs((outside.after ?? 0) - 400) < 1e-6,
    );
    assert.ok(top.score > 0.9);
  });
});
