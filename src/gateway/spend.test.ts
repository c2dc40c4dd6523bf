import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeRequest } from '../model/request.ts';
import { DuckDbStore } from '../store/duckdb/duckdb-store.ts';
import { StoreSpendSource } from './spend.ts';

describe('budget spend from the store', () => {
  it('charges a tenant only for what the gateway served, not for spans naming it that anyone could send', async () => {
    const store = await DuckDbStore.open({ path: ':memory:' });
    const nowMs = Date.now();
    const arrivalUs = (nowMs - 60_000) * 1000;
    await store.writeBatch({
      requests: [
        // Through the gateway: counted.
        makeRequest({
          requestId: 'g1',
          arrivalUs,
          gatewayInUs: arrivalUs,
          tenant: 'search',
          costUsd: 1,
          promptTokens: 100,
          outputTokens: 20,
        }),
        // An OTLP span that says user.id=search with 2e9 tokens: not the gateway's to charge.
        makeRequest({ requestId: 'o1', arrivalUs, tenant: 'search', costUsd: 500, promptTokens: 2e9 }),
      ],
      spans: [],
    });
    const spend = new StoreSpendSource(store, undefined, () => nowMs);
    await spend.refresh();
    assert.equal(spend.spentUsd('search'), 1);
    assert.equal(spend.spentTokens('search'), 120);
    await store.close();
  });
});
