import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DuckDbStore } from '../store/duckdb/duckdb-store.ts';
import type { Store } from '../store/store.ts';
import type { InferenceRequest } from '../model/request.ts';
import { syntheticData } from '../../test/support/synthetic.ts';
import { listen } from '../../test/support/http.ts';
import { hashApiKey } from '../gateway/tenants.ts';
import { createApi } from './api.ts';

const NOV_1 = Date.UTC(2026, 10, 1) * 1000;
const DAY_US = 86_400_000_000;
const ADMIN = 'kb-admin-token';
const SEARCH_ONLY = 'kb-search-token';

describe('API tokens and team scope over HTTP', () => {
  let store: Store;
  let close: () => Promise<void>;
  let base: string;
  let requests: InferenceRequest[];

  const get = (path: string, token?: string) =>
    fetch(`${base}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  const json = async <T>(path: string, token: string): Promise<T> => {
    const res = await get(path, token);
    assert.equal(res.status, 200, `${path}: ${res.status} ${await res.clone().text()}`);
    return (await res.json()) as T;
  };

  before(async () => {
    store = await DuckDbStore.open({ path: join(mkdtempSync(join(tmpdir(), 'kb-auth-')), 'store.duckdb') });
    await store.init();
    const data = syntheticData({ seed: 9, count: 600, startUs: NOV_1, spanUs: DAY_US });
    requests = data.requests;
    await store.writeBatch(data);
    const app = createApi({
      store,
      nowUs: () => NOV_1 + DAY_US,
      webRoot: null,
      metrics: async () => 'kubeburner_up 1\n',
      tokens: [
        { name: 'platform', token_sha256: hashApiKey(ADMIN) },
        { name: 'search-team', token_sha256: hashApiKey(SEARCH_ONLY), teams: ['search'] },
      ],
    });
    ({ base, close } = await listen(app));
  });
  after(async () => {
    await close();
    await store.close();
  });

  it('refuses calls without a token or with an unknown one, and says how to send one', async () => {
    const missing = await get('/api/requests?from=2d');
    assert.equal(missing.status, 401);
    assert.match(missing.headers.get('www-authenticate') ?? '', /Bearer/);
    assert.match(((await missing.json()) as { error: string }).error, /Authorization: Bearer/);
    const unknown = await get('/api/requests?from=2d', 'not-a-token');
    assert.equal(unknown.status, 401);
    assert.equal(((await unknown.json()) as { error: string }).error, 'unknown API token');
    assert.equal((await get('/metrics')).status, 401);
  });

  it('keeps liveness and the OpenAPI description public', async () => {
    assert.equal((await get('/api/health')).status, 200);
    assert.equal((await get('/api/openapi.json')).status, 200);
  });

  it('gives an unscoped token every team, a scoped token only its own', async () => {
    const teams = (rows: { team: string | null }[]) => new Set(rows.map((r) => r.team));
    const all = await json<{ requests: InferenceRequest[] }>('/api/requests?from=2d&limit=1000', ADMIN);
    assert.ok(teams(all.requests).size > 1);
    const scoped = await json<{ requests: InferenceRequest[] }>(
      '/api/requests?from=2d&limit=1000',
      SEARCH_ONLY,
    );
    assert.deepEqual(teams(scoped.requests), new Set(['search']));
    assert.equal(scoped.requests.length, requests.filter((r) => r.team === 'search').length);

    const byTeam = await json<{ rows: { group: { team: string } }[] }>(
      '/api/percentiles?from=2d&by=team',
      SEARCH_ONLY,
    );
    assert.deepEqual(
      byTeam.rows.map((r) => r.group.team),
      ['search'],
    );
    const whoami = await json<{ name: string; teams: string[] }>('/api/whoami', SEARCH_ONLY);
    assert.deepEqual(whoami, { name: 'search-team', teams: ['search'] });
  });

  it('refuses a scoped token another team’s data, one request included, and fleet-wide views', async () => {
    const other = await get('/api/requests?from=2d&team=ads', SEARCH_ONLY);
    assert.equal(other.status, 403);
    assert.match(((await other.json()) as { error: string }).error, /scoped to teams search; not ads/);
    const adsRequest = requests.find((r) => r.team === 'ads') as InferenceRequest;
    assert.equal((await get(`/api/requests/${adsRequest.requestId}`, SEARCH_ONLY)).status, 404);
    assert.equal((await get(`/api/requests/${adsRequest.requestId}`, ADMIN)).status, 200);
    for (const path of [
      '/api/gpu',
      '/api/scheduler',
      '/api/stats',
      '/metrics',
      '/api/recommendations',
      '/api/replicas/vllm-0/typical-request',
    ])
      assert.equal((await get(path, SEARCH_ONLY)).status, 403, path);
  });

  it('bills a scoped token its teams’ usage only, without idle rows', async () => {
    const report = await json<{
      rows: { kind: string; group: { team: string } }[];
      totals: { costUsd: number };
    }>('/api/chargeback?from=2d&by=team&granularity=total', SEARCH_ONLY);
    assert.deepEqual([...new Set(report.rows.map((r) => `${r.kind}:${r.group.team}`))], ['usage:search']);
    const expected = requests.filter((r) => r.team === 'search').reduce((s, r) => s + (r.costUsd ?? 0), 0);
    assert.ok(Math.abs(report.totals.costUsd - expected) < 1e-6);
  });
});
