import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeRequest } from '../model/request.ts';
import { createLogger } from '../util/log.ts';
import { DuckDbStore } from './duckdb/duckdb-store.ts';
import { RetentionJob } from './retention-job.ts';
import type { Store } from './store.ts';

const DAY_US = 86_400_000_000;
const NOW_US = Date.UTC(2026, 10, 25, 12) * 1000;
const silent = createLogger('silent');

describe('retention job', () => {
  it('expires requests older than the window and keeps the rest', async () => {
    const store = await DuckDbStore.open({ path: ':memory:' });
    await store.writeBatch({
      requests: [
        makeRequest({ requestId: 'old', arrivalUs: NOW_US - 40 * DAY_US }),
        makeRequest({ requestId: 'recent', arrivalUs: NOW_US - 2 * DAY_US }),
      ],
      spans: [],
    });
    const job = new RetentionJob(
      store,
      { requestsDays: 30, spansDays: 30, metricsDays: 15 },
      silent,
      () => NOW_US,
    );
    const result = await job.runOnce();
    assert.equal(result?.cutoffUs.requests, Date.UTC(2026, 9, 26) * 1000);
    assert.equal(await store.getRequest('old'), null);
    assert.ok(await store.getRequest('recent'));
    assert.equal(job.runs, 1);
    await store.close();
  });

  it('logs a failing pass, counts it, and keeps going', async () => {
    const broken = { applyRetention: () => Promise.reject(new Error('disk full')) } as unknown as Store;
    const job = new RetentionJob(
      broken,
      { requestsDays: 1, spansDays: 1, metricsDays: 1 },
      silent,
      () => NOW_US,
    );
    assert.equal(await job.runOnce(), null);
    assert.equal(await job.runOnce(), null);
    assert.equal(job.failures, 2);
  });
});
