import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { DuckDbStore } from '../store/duckdb/duckdb-store.ts';
import type { Store } from '../store/store.ts';
import { syntheticData } from '../../test/support/synthetic.ts';
import { listen } from '../../test/support/http.ts';
import { createApi } from './api.ts';
import { focusViolations } from '../../test/support/focus-rules.ts';

const NOV_1 = Date.UTC(2026, 10, 1) * 1000;

describe('cost API over HTTP', () => {
  let store: Store;
  let close: () => Promise<void>;
  let base: string;
  let totalCost: number;
  let data: ReturnType<typeof syntheticData>;

  before(async () => {
    store = await DuckDbStore.open({ path: join(mkdtempSync(join(tmpdir(), 'kb-api-')), 'store.duckdb') });
    await store.init();
    data = syntheticData({ seed: 5, count: 500, startUs: NOV_1, spanUs: 5 * 86_400_000_000 });
    totalCost = data.requests.reduce((s, r) => s + (r.costUsd ?? 0), 0);
    await store.writeBatch(data);
    const app = createApi({ store, nowUs: () => NOV_1 + 10 * 86_400_000_000 });
    ({ base, close } = await listen(app));
  });
  after(async () => {
    await close();
    await store.close();
  });

  it('returns the month’s cost by team as JSON', async () => {
    const res = await fetch(`${base}/api/chargeback?period=2026-11&by=team`);
    assert.equal(res.status, 200);
    const report = (await res.json()) as { rows: { group: { team: string } }[]; totals: { costUsd: number } };
    assert.ok(report.rows.length >= 4);
    assert.ok(Math.abs(report.totals.costUsd - totalCost) < 1e-6);
    const allocation = (await (
      await fetch(`${base}/api/chargeback?period=2026-11&by=team&basis=allocation`)
    ).json()) as {
      basis: string;
    };
    assert.equal(allocation.basis, 'allocation');
  });

  it('serves CSV as an attachment with one row per team and cluster', async () => {
    const res = await fetch(`${base}/api/chargeback?period=2026-11&by=team,cluster&format=csv`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/csv/);
    assert.match(res.headers.get('content-disposition') ?? '', /attachment/);
    const rows = parse(await res.text(), { columns: true }) as Record<string, string>[];
    const pairs = new Set(rows.map((r) => `${r.x_Team}|${r.x_Cluster}`));
    assert.equal(pairs.size, rows.length);
    assert.ok(Math.abs(rows.reduce((s, r) => s + Number(r.BilledCost), 0) - totalCost) < 1e-4);
  });

  it('serves a FOCUS 1.2 dataset that meets the column rules and sums to the same cost', async () => {
    const res = await fetch(`${base}/api/chargeback?period=2026-11&by=team&format=focus`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-focus-version'), '1.2');
    assert.match(res.headers.get('content-disposition') ?? '', /kubeburner-focus-1\.2\.csv/);
    const text = await res.text();
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    const header = (parse(text, { to_line: 1 }) as string[][])[0]!;
    assert.deepEqual(focusViolations(header, rows), []);
    assert.ok(Math.abs(rows.reduce((s, r) => s + Number(r.BilledCost), 0) - totalCost) < 1e-4);
  });

  it('serves the latency–cost series with a bucket per step', async () => {
    const res = await fetch(`${base}/api/cost/latency?from=2026-11-01&to=2026-11-06&step=1d&by=team`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as {
      points: { bucketStartUs: number; costUsd: number; ttftP99Us: number }[];
    };
    assert.ok(body.points.every((p) => (p.bucketStartUs - NOV_1) % 86_400_000_000 === 0));
    assert.ok(Math.abs(body.points.reduce((s, p) => s + p.costUsd, 0) - totalCost) < 1e-6);
    const wasted = await fetch(`${base}/api/cost/wasted?from=2026-11-01&to=2026-11-06&step=1d`);
    const waste = (await wasted.json()) as { idle: unknown[]; failed: { costUsd: number; status: string }[] };
    assert.deepEqual(waste.idle, [], 'no idle samples stored here');
    const failedCost = data.requests
      .filter((r) => ['error', 'timeout', 'cancelled'].includes(r.status))
      .reduce((sum, r) => sum + (r.costUsd ?? 0), 0);
    assert.ok(failedCost > 0);
    assert.ok(Math.abs(waste.failed.reduce((sum, p) => sum + p.costUsd, 0) - failedCost) < 1e-6);
    const badStep = await fetch(`${base}/api/cost/latency?step=soon`);
    assert.equal(badStep.status, 400);
    assert.match(((await badStep.json()) as { error: string }).error, /step/);
  });

  it('answers 400 naming the bad parameter', async () => {
    const badDimension = await fetch(`${base}/api/chargeback?by=colour`);
    assert.equal(badDimension.status, 400);
    assert.match(((await badDimension.json()) as { error: string }).error, /by/);
    const badBasis = await fetch(`${base}/api/chargeback?basis=fair`);
    assert.equal(badBasis.status, 400);
    assert.match(((await badBasis.json()) as { error: string }).error, /basis/);
    const badPeriod = await fetch(`${base}/api/chargeback?period=2026-13`);
    assert.equal(badPeriod.status, 400);
    assert.match(((await badPeriod.json()) as { error: string }).error, /invalid month/);
  });

  it('serves the KV-cache report by tenant and refuses an unknown grouping', async () => {
    const response = await fetch(`${base}/api/kv-cache?from=2026-11-01&to=2026-11-10&by=tenant`);
    assert.equal(response.status, 200);
    const report = (await response.json()) as {
      rows: { promptTokens: number; cachedTokens: number }[];
      totals: { requests: number };
    };
    assert.equal(report.totals.requests, data.requests.length);
    assert.equal(
      report.rows.reduce((s, r) => s + r.cachedTokens, 0),
      data.requests.reduce((s, r) => s + r.cachedPromptTokens, 0),
    );
    assert.equal((await fetch(`${base}/api/kv-cache?by=nope`)).status, 400);
  });

  it('serves the GPU time breakdown per replica, shares summing to 1, and refuses a bad range', async () => {
    const response = await fetch(`${base}/api/gpu?from=2026-11-01&to=2026-11-10`);
    assert.equal(response.status, 200);
    const report = (await response.json()) as {
      replicas: { group: string; parts: Record<string, { share: number; usd: number }> }[];
    };
    assert.ok(report.replicas.length >= 2);
    for (const row of report.replicas) {
      const shares = Object.values(row.parts).reduce((s, p) => s + p.share, 0);
      assert.ok(Math.abs(shares - 1) < 1e-9, `${row.group}: shares sum to ${shares}`);
    }
    const gpuKinds = new Set(['prefill', 'decode', 'preemption_wait', 'kv_eviction_wait']);
    const spanUsd = data.spans
      .filter((sp) => gpuKinds.has(sp.kind))
      .reduce((s, sp) => s + (sp.costUsd ?? 0), 0);
    const busyUsd = report.replicas.reduce(
      (s, r) =>
        s +
        ['prefill', 'decode', 'recomputed_prefill', 'communication_wait', 'abandoned'].reduce(
          (t, p) => t + (r.parts[p]?.usd ?? 0),
          0,
        ),
      0,
    );
    assert.ok(Math.abs(busyUsd - spanUsd) < 1e-6 * Math.max(1, spanUsd), `${busyUsd} vs ${spanUsd}`);
    assert.equal((await fetch(`${base}/api/gpu?from=yesterday-ish`)).status, 400);
  });

  it('serves the scheduler report and says what is wrong with a bad step', async () => {
    const response = await fetch(`${base}/api/scheduler?from=2026-11-01&to=2026-11-02&step=1h`);
    assert.equal(response.status, 200);
    const report = (await response.json()) as { series: unknown[]; tenants: { demandShare: number }[] };
    assert.equal(report.series.length, 24);
    assert.ok(Math.abs(report.tenants.reduce((s, t) => s + t.demandShare, 0) - 1) < 1e-9);
    const bad = await fetch(`${base}/api/scheduler?step=soon`);
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /step/);
  });

  it('forecasts GPUs for a model from its measured cost, and names what is missing', async () => {
    const model = data.requests[0]?.model ?? '';
    const response = await fetch(
      `${base}/api/capacity?from=2026-11-01&to=2026-11-10&model=${encodeURIComponent(model)}&rate=10&prompt=1000&output=200&cache=0.3`,
    );
    assert.equal(response.status, 200);
    const body = (await response.json()) as {
      fit: { requests: number };
      forecast: { gpus: number; replicas: number };
    };
    assert.ok(body.fit.requests > 10);
    assert.ok(body.forecast.gpus > 0 && body.forecast.replicas >= 1);
    const missing = await fetch(`${base}/api/capacity?model=${encodeURIComponent(model)}`);
    assert.equal(missing.status, 400);
    assert.match(((await missing.json()) as { error: string }).error, /rate/);
  });
});
