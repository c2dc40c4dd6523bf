import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { makeRequest } from '../model/request.ts';
import type { RequestRecord } from '../normalize/merge-gateway.ts';
import { DuckDbStore } from '../store/duckdb/duckdb-store.ts';
import { createLogger } from '../util/log.ts';
import { IngestBuffer } from './ingest-buffer.ts';
import { Spool, replaySpool } from './spool.ts';

const NOW_US = Date.now() * 1000;
const record = (id: string, attributes: Record<string, string> = {}): RequestRecord => ({
  request: makeRequest({ requestId: id, arrivalUs: NOW_US - 60e6, e2eUs: 1000, attributes }),
  spans: [],
});

describe('spool', () => {
  it('replays what was appended and never released, including after a torn last line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kb-spool-'));
    const first = new Spool(dir);
    assert.deepEqual(await first.open(), []);
    for (const id of ['a', 'b', 'c']) first.append(record(id));
    await first.synced();
    first.release(['b']);
    await first.close();
    // A crash mid-write leaves half a line: it was never acknowledged, and is skipped.
    const [segment] = readdirSync(dir);
    appendFileSync(join(dir, segment!), '{"request":{"requestId":"d"');
    const second = new Spool(dir);
    assert.deepEqual(
      (await second.open()).map((r) => r.request.requestId),
      ['a', 'b', 'c'],
      'the released b is replayed too (its segment was still open): replay skips what the store has',
    );
    await second.close();
  });

  it('deletes a closed segment once every record in it is released', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kb-spool-'));
    const spool = new Spool(dir, { segmentBytes: 1 });
    await spool.open();
    spool.append(record('x'));
    await spool.synced(); // the write fills the segment: it is closed, a new one begun
    assert.equal(readdirSync(dir).length, 2);
    spool.release(['x']);
    assert.equal(readdirSync(dir).length, 1);
    assert.equal(spool.held, 0);
    await spool.close();
  });

  it('on replay stores what the store lacks, once, and skips what it has — as a row or as a joined gateway record', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kb-spool-'));
    const store = await DuckDbStore.open({ path: ':memory:' });
    // Stored before the crash: an engine record joined with gateway record gw-1.
    await store.writeBatch({
      requests: [record('engine-1', { 'gateway.request_id': 'gw-1' }).request],
      spans: [],
    });
    const before = new Spool(dir);
    await before.open();
    for (const id of ['engine-1', 'gw-1', 'lost-1', 'lost-2', 'lost-1']) before.append(record(id));
    await before.synced();
    await before.close();

    const spool = new Spool(dir);
    const buffer = new IngestBuffer(store, createLogger('silent'), {
      onSettled: (ids) => spool.release(ids),
    });
    await replaySpool(spool, store, buffer, createLogger('silent'));
    const rows = await store.searchRequests({ range: { fromUs: 0, toUs: NOW_US + 1e9 }, limit: 100 });
    assert.deepEqual(rows.map((r) => r.requestId).sort(), ['engine-1', 'lost-1', 'lost-2']);
    assert.equal(spool.held, 0, 'everything replayed is settled');
    await spool.close();
    await store.close();
  });
});
