import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { listen } from '../../test/support/http.ts';
import { LLAMA_70B_MANIFEST } from '../../test/support/manifests.ts';
import { RecommendationBook } from '../analyze/recommend/decisions.ts';
import { FileTarget } from '../analyze/recommend/file-target.ts';
import { DuckDbStore } from '../store/duckdb/duckdb-store.ts';
import { createApi } from './api.ts';

describe('recommendations API over HTTP', () => {
  let store: DuckDbStore;
  let base: string;
  let close: () => Promise<void>;
  let file: string;

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kb-api-rec-'));
    file = join(dir, 'llama-3-70b.yaml');
    writeFileSync(file, LLAMA_70B_MANIFEST);
    store = await DuckDbStore.open({ path: ':memory:' });
    const book = new RecommendationBook(store, new FileTarget(dir));
    await book.propose([
      {
        id: 'rec-a',
        title: 'Admit fewer sequences',
        cause: 'kv_pressure',
        evidence: [],
        change: { kind: 'set_engine_arg', workload: 'llama-3-70b', flag: '--max-num-seqs', value: '192' },
        expectedEffect: 'fewer preemptions',
        createdAtUs: Date.now() * 1000,
      },
    ]);
    ({ base, close } = await listen(
      createApi({ store, nowUs: () => Date.now() * 1000, recommendations: book }),
    ));
  });
  after(async () => {
    await close();
    await store.close();
  });

  const post = (path: string, body: unknown) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('lists recommendations and shows one with its diff', async () => {
    const list = (await (await fetch(`${base}/api/recommendations`)).json()) as {
      recommendations: { state: string }[];
    };
    assert.deepEqual(
      list.recommendations.map((r) => r.state),
      ['proposed'],
    );
    const one = (await (await fetch(`${base}/api/recommendations/rec-a`)).json()) as {
      preview: { diff: string };
    };
    assert.match(one.preview.diff, /^\+\s+- --max-num-seqs=192$/m);
    assert.equal((await fetch(`${base}/api/recommendations/rec-nope`)).status, 404);
  });

  it('applies and rolls back only with a named decision', async () => {
    const anonymous = await post('/api/recommendations/rec-a/apply', {});
    assert.equal(anonymous.status, 400);
    assert.equal(readFileSync(file, 'utf8'), LLAMA_70B_MANIFEST);
    const applied = (await (await post('/api/recommendations/rec-a/apply', { who: 'carol' })).json()) as {
      state: string;
    };
    assert.equal(applied.state, 'applied');
    assert.match(readFileSync(file, 'utf8'), /--max-num-seqs=192/);
    const again = await post('/api/recommendations/rec-a/apply', { who: 'carol' });
    assert.equal(again.status, 400);
    const rolled = (await (await post('/api/recommendations/rec-a/rollback', { who: 'dan' })).json()) as {
      state: string;
      history: { who: string }[];
    };
    assert.equal(rolled.state, 'rolled_back');
    assert.deepEqual(
      rolled.history.map((h) => h.who),
      ['kubeburner', 'carol', 'dan'],
    );
    assert.equal(readFileSync(file, 'utf8'), LLAMA_70B_MANIFEST);
  });
});

describe('recommendation decisions on a stopped clock (a paused demo)', () => {
  it('keeps every decision in order when they share one clock tick', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kb-rec-frozen-'));
    writeFileSync(join(dir, 'llama-3-70b.yaml'), LLAMA_70B_MANIFEST);
    const store = await DuckDbStore.open({ path: ':memory:' });
    const frozenUs = Date.UTC(2026, 10, 25) * 1000;
    const book = new RecommendationBook(store, new FileTarget(dir), () => frozenUs);
    await book.propose([
      {
        id: 'rec-frozen',
        title: 'Scale out',
        cause: 'queue_saturation',
        evidence: [],
        change: { kind: 'set_replicas', workload: 'llama-3-70b', replicas: 4 },
        expectedEffect: 'less queueing',
        createdAtUs: frozenUs,
      },
    ]);
    for (const [verb, state] of [
      ['apply', 'applied'],
      ['rollback', 'rolled_back'],
      ['apply', 'applied'],
      ['rollback', 'rolled_back'],
    ] as const) {
      assert.equal((await book[verb]('rec-frozen', 'ops')).state, state, `${verb} → ${state}`);
      assert.equal((await book.get('rec-frozen')).state, state);
    }
    assert.equal(readFileSync(join(dir, 'llama-3-70b.yaml'), 'utf8'), LLAMA_70B_MANIFEST);
    await store.close();
  });
});
