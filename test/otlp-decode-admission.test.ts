import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { IngestBuffer } from '../src/collect/ingest-buffer.ts';
import { OtlpHttpReceiver } from '../src/collect/otlp/receiver.ts';
import { DuckDbStore } from '../src/store/duckdb/duckdb-store.ts';
import { createLogger } from '../src/util/log.ts';
import { ENGINE_FIXTURES } from './support/fixtures.ts';

/**
 * Many small gzip bodies that each inflate to megabytes, all at once: a few are decoded at a time
 * and the rest wait or are told to retry, so memory stays bounded (it reached 2 GB before).
 */
describe('OTLP gzip bodies at once', () => {
  it('decodes a few at a time, answers the overflow 429, and keeps memory bounded', async () => {
    const store = await DuckDbStore.open({ path: ':memory:' });
    const log = createLogger('silent');
    const receiver = new OtlpHttpReceiver({
      port: 0,
      context: { cluster: 'c' },
      buffer: new IngestBuffer(store, log),
      log,
      maxBodyBytes: 1 << 20,
    });
    await receiver.listen();
    const value = JSON.parse(
      readFileSync(`${ENGINE_FIXTURES}/vllm/vllm-llm_request-trace-otlp-synthetic.json`, 'utf8'),
    ) as { resourceSpans: { resource?: { attributes: unknown[] } }[] };
    // 16 MB of padding in a resource attribute: ~16 KB on the wire.
    value.resourceSpans[0]!.resource = {
      attributes: [{ key: 'padding', value: { stringValue: 'x'.repeat(16 * 1024 * 1024) } }],
    };
    const body = gzipSync(JSON.stringify(value));
    const before = process.memoryUsage().rss;
    let peak = before;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    const statuses = await Promise.all(
      Array.from({ length: 100 }, async () => {
        const response = await fetch(`${receiver.url}/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
          body,
        });
        await response.arrayBuffer();
        return response.status;
      }),
    );
    clearInterval(timer);
    await receiver.close();
    await store.close();
    const count = (status: number) => statuses.filter((s) => s === status).length;
    console.log(
      `100 gzip bodies of ${body.length} bytes → 16 MB each: ${count(200)} taken, ${count(429)} told to retry; RSS grew ${((peak - before) / 1e6).toFixed(0)} MB`,
    );
    assert.equal(count(200) + count(429), 100);
    assert.ok(count(429) > 0 && count(200) >= 4);
    assert.ok(peak - before < 800e6, `RSS grew ${((peak - before) / 1e6).toFixed(0)} MB`);
  });
});
