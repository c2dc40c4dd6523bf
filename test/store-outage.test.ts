import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Collector } from '../src/collect/collector.ts';
import { DuckDbStore } from '../src/store/duckdb/duckdb-store.ts';
import type { Store } from '../src/store/store.ts';
import { createLogger } from '../src/util/log.ts';
import { vllmExport } from './support/otlp-exports.ts';
import { freePort } from './support/net.ts';

/**
 * The store fails for a minute under steady OTLP load (with the calling-app join on): senders get
 * 429 with Retry-After instead of an ever-growing backlog, memory stays bounded, and once the store
 * is back every acknowledged request is stored.
 */
const OUTAGE_MS = Number(process.env.KUBEBURNER_OUTAGE_S ?? 60) * 1000;
describe('store outage under load', { timeout: OUTAGE_MS + 120_000 }, () => {
  it('pushes back with 429 while the store fails, stays bounded, and stores every acknowledged request after', async () => {
    const inner = await DuckDbStore.open({ path: ':memory:' });
    let failing = true;
    const store = Object.create(inner) as Store;
    store.writeBatch = (batch) =>
      failing ? Promise.reject(new Error('connection refused')) : inner.writeBatch(batch);
    const port = await freePort();
    const collector = new Collector({
      store,
      log: createLogger('silent'),
      context: { cluster: 'c' },
      otlp: { host: '127.0.0.1', port, grpcPort: null, maxBodyBytes: 1 << 20 },
      maxPendingRequests: 5_000,
      awaitCallerSpans: true,
    });
    await collector.start();
    const acknowledged: string[] = [];
    let pushedBack = 0;
    let retryAfter: string | null = null;
    let peakRssMb = 0;
    const startRssMb = process.memoryUsage().rss / 1e6;
    let n = 0;
    let sending = true;
    const senders = Array.from({ length: 4 }, async () => {
      while (sending) {
        const { body, ids } = vllmExport('outage', n++);
        const response = await fetch(`${collector.receiver!.url}/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        await response.arrayBuffer();
        if (response.status === 200) acknowledged.push(...ids);
        else if (response.status === 429) {
          pushedBack++;
          retryAfter = response.headers.get('retry-after');
          await new Promise((resolve) => setTimeout(resolve, 50));
        } else assert.fail(`unexpected ${response.status}`);
        peakRssMb = Math.max(peakRssMb, process.memoryUsage().rss / 1e6);
      }
    });
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    failing = false;
    await new Promise((resolve) => setTimeout(resolve, 5000));
    sending = false;
    await Promise.all(senders);
    await collector.stop(); // releases what waits for a caller, flushes the buffer
    const stored = await inner.existingRequestIds(acknowledged, 0);
    console.log(
      `store outage ${OUTAGE_MS / 1000} s: ${acknowledged.length} acknowledged, ${stored.size} stored, ${pushedBack} answered 429, RSS ${startRssMb.toFixed(0)} → peak ${peakRssMb.toFixed(0)} MB`,
    );
    assert.ok(pushedBack > 0, 'the receiver pushed back');
    assert.equal(retryAfter, '1');
    assert.ok(peakRssMb - startRssMb < 400, `RSS grew ${(peakRssMb - startRssMb).toFixed(0)} MB`);
    assert.equal(stored.size, new Set(acknowledged).size, 'every acknowledged request is stored');
    await inner.close();
  });
});
