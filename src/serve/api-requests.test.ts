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
import { createApi } from './api.ts';

const NOV_1 = Date.UTC(2026, 10, 1) * 1000;
const DAY_US = 86_400_000_000;

describe('requests API and its OpenAPI description', () => {
  let store: Store;
  let close: () => Promise<void>;
  let base: string;
  let requests: InferenceRequest[];
  const json = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${base}${path}`);
    assert.equal(res.status, 200, `${path}: ${await res.clone().text()}`);
    return (await res.json()) as T;
  };

  before(async () => {
    store = await DuckDbStore.open({ path: join(mkdtempSync(join(tmpdir(), 'kb-req-')), 'store.duckdb') });
    await store.init();
    const data = syntheticData({ seed: 3, count: 800, startUs: NOV_1, spanUs: DAY_US });
    requests = data.requests;
    await store.writeBatch(data);
    ({ base, close } = await listen(createApi({ store, nowUs: () => NOV_1 + DAY_US, webRoot: null })));
  });
  after(async () => {
    await close();
    await store.close();
  });

  it('describes every route with its query parameters in /api/openapi.json', async () => {
    const spec = await json<{
      openapi: string;
      paths: Record<string, Record<string, { parameters?: { name: string }[]; tags?: string[] }>>;
    }>('/api/openapi.json');
    assert.equal(spec.openapi, '3.1.0');
    for (const path of [
      '/api/requests',
      '/api/requests/{id}',
      '/api/percentiles',
      '/api/timeseries',
      '/api/overview',
      '/api/slo',
      '/api/slo/{name}',
      '/api/alerts',
      '/api/incidents',
      '/api/chargeback',
      '/api/cost/latency',
      '/api/kv-cache',
      '/api/scheduler',
      '/api/gpu',
      '/api/recommendations',
    ])
      assert.ok(spec.paths[path], `missing ${path}`);
    assert.ok(spec.paths['/api/recommendations/{id}/apply']?.post);
    const params = (spec.paths['/api/requests']?.get?.parameters ?? []).map((p) => p.name);
    for (const name of [
      'from',
      'to',
      'model',
      'team',
      'cluster',
      'status',
      'id',
      'above',
      'order_by',
      'limit',
    ])
      assert.ok(params.includes(name), `requests lacks ${name}`);
    const chargeback = (spec.paths['/api/chargeback']?.get?.parameters ?? []).map((p) => p.name);
    assert.ok(chargeback.includes('format') && chargeback.includes('by'));
  });

  it('names the wrong parameter in a 400', async () => {
    const res = await fetch(`${base}/api/requests?limit=0&order_by=nope`);
    assert.equal(res.status, 400);
    const { error } = (await res.json()) as { error: string };
    assert.match(error, /limit/);
    assert.match(error, /order_by/);
    assert.equal((await fetch(`${base}/api/no-such-route`)).status, 404);
  });

  it('refuses NUL in a query with a 400 that quotes no SQL, and forbids framing the UI', async () => {
    const res = await fetch(`${base}/api/requests?model=a%00b`);
    assert.equal(res.status, 400);
    const text = await res.text();
    assert.doesNotMatch(text, /SELECT|kb_requests/);
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    assert.equal((await fetch(`${base}/`)).headers.get('x-frame-options'), 'DENY');
  });

  it('refuses a series with more buckets than it serves, on every series route, before querying', async () => {
    for (const path of [
      '/api/scheduler?from=3000d&step=1s',
      '/api/timeseries?from=3000d&step=1s',
      '/api/cost/latency?from=3000d&step=1s',
      '/api/cost/wasted?from=3000d&step=1s',
    ]) {
      const res = await fetch(`${base}${path}`);
      assert.equal(res.status, 400, path);
      assert.match(((await res.json()) as { error: string }).error, /buckets \(at most 5000\)/, path);
    }
    assert.equal((await fetch(`${base}/api/scheduler?from=1d&step=1m`)).status, 200);
  });

  it('finds requests by the start of their id', async () => {
    const target = requests[17] as InferenceRequest;
    const prefix = target.requestId.slice(0, target.requestId.length - 2);
    const found = await json<{ requests: InferenceRequest[] }>(
      `/api/requests?from=2d&id=${encodeURIComponent(prefix)}&limit=1000`,
    );
    assert.ok(found.requests.some((r) => r.requestId === target.requestId));
    assert.ok(found.requests.every((r) => r.requestId.startsWith(prefix)));
  });

  it('keeps only requests at or above the asked percentile', async () => {
    const answer = await json<{ requests: InferenceRequest[]; threshold: { value: number } }>(
      '/api/requests?from=2d&above=p99&limit=1000',
    );
    const latencies = requests.map((r) => r.e2eUs).filter((v): v is number => v !== null);
    const above = latencies.filter((v) => v >= answer.threshold.value).length;
    assert.ok(above >= 1 && above <= Math.ceil(latencies.length * 0.01) + 1);
    assert.equal(answer.requests.length, above);
  });

  it('counts every request once across the time series buckets', async () => {
    const series = await json<{ points: { requests: number; costUsd: number }[]; stepUs: number }>(
      '/api/timeseries?from=2d&step=1h',
    );
    assert.equal(series.stepUs, 3_600_000_000);
    assert.equal(
      series.points.reduce((s, p) => s + p.requests, 0),
      requests.length,
    );
    const cost = requests.reduce((s, r) => s + (r.costUsd ?? 0), 0);
    assert.ok(Math.abs(series.points.reduce((s, p) => s + p.costUsd, 0) - cost) < 1e-6);
  });

  it('explains one request: attribution parts sum to its latency, with a label and typical peer', async () => {
    const slowest = [...requests]
      .filter((r) => r.status === 'ok')
      .sort((a, b) => (b.e2eUs ?? 0) - (a.e2eUs ?? 0))[0];
    assert.ok(slowest);
    const detail = await json<{
      request: InferenceRequest;
      attribution: { e2eUs: number; parts: { us: number }[] };
      explanation: { label: string };
      typical: { requests: number; e2eUs: number };
    }>(`/api/requests/${encodeURIComponent(slowest.requestId)}`);
    assert.equal(detail.attribution.e2eUs, slowest.e2eUs);
    assert.equal(
      detail.attribution.parts.reduce((s, p) => s + p.us, 0),
      slowest.e2eUs,
    );
    assert.ok(detail.typical.requests > 0);
    assert.ok(detail.typical.e2eUs < (slowest.e2eUs as number));
    assert.notEqual(detail.explanation.label, '');
  });
});
