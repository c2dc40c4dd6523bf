import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeRequest } from '../../src/model/request.ts';
import { REQUEST_COLUMNS } from '../../src/store/columns.ts';
import type { Store } from '../../src/store/store.ts';
import { START_US } from './store-contract.ts';

/** The newest request column: what a table made by the previous release lacks. */
const NEWEST = REQUEST_COLUMNS.at(-1)!;
export const NEWEST_REQUEST_COLUMN = NEWEST.name;

/**
 * A store opened on a table made by an older release gains the columns added since, keeps the
 * rows it had (new columns read back null, not an invented 0), and stores new values in them.
 * `makeOld` runs while the store is closed and removes NEWEST_REQUEST_COLUMN from its table.
 */
export function storeMigrationContract(
  name: string,
  open: () => Promise<Store>,
  makeOld: () => Promise<void>,
): void {
  describe(`${name} store migrations`, () => {
    it('adds columns a table from an older release lacks and keeps its rows', async () => {
      const before = makeRequest({
        requestId: 'before-upgrade',
        arrivalUs: START_US,
        costUsd: 0.01,
        [NEWEST.field]: 4,
      });
      let store = await open();
      await store.writeBatch({ requests: [before], spans: [] });
      await store.close();
      await makeOld();

      store = await open();
      try {
        const old = await store.getRequest('before-upgrade');
        assert.ok(old, 'the row written before the upgrade is still there');
        assert.equal(old.request.costUsd, 0.01);
        assert.equal(old.request[NEWEST.field], null, 'a column that did not exist reads as unknown');
        const after = makeRequest({
          requestId: 'after-upgrade',
          arrivalUs: START_US + 1,
          [NEWEST.field]: 25,
        });
        await store.writeBatch({ requests: [after], spans: [] });
        assert.equal((await store.getRequest('after-upgrade'))?.request[NEWEST.field], 25);
      } finally {
        await store.close();
      }
      // Opening again is a no-op: nothing left to add.
      store = await open();
      assert.equal((await store.stats()).requests, 2);
      await store.close();
    });
  });
}
