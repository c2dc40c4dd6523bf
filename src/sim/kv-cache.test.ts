import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Histogram } from './histogram.ts';
import { KvBlockPool } from './kv-cache.ts';

describe('paged KV cache with prefix caching', () => {
  it('shares blocks of a common prefix and keeps them cached after release', () => {
    const pool = new KvBlockPool(10, 16);
    for (const h of [1, 2, 3]) pool.acquireHashed(h);
    pool.acquireAnonymous(1);
    assert.equal(pool.usedBlocks, 4);
    assert.equal(pool.matchPrefix([1, 2, 9]), 2);
    pool.acquireHashed(1);
    pool.acquireHashed(2);
    assert.equal(pool.usedBlocks, 4, 'shared blocks take no new space');
    pool.release([1, 2, 3], 1);
    assert.equal(pool.usedBlocks, 2, 'still held by the second sequence');
    pool.release([1, 2], 0);
    assert.equal(pool.usedBlocks, 0);
    assert.equal(pool.cachedBlocks, 3);
    assert.equal(pool.freeBlocks, 10, 'cached blocks count as free');
    assert.equal(pool.matchPrefix([1, 2, 3, 4]), 3, 'a later prompt still hits');
  });

  it('evicts the least recently released cached block when space runs out', () => {
    const pool = new KvBlockPool(3, 16);
    pool.acquireHashed(1);
    pool.acquireHashed(2);
    pool.acquireHashed(3);
    pool.release([2], 0);
    pool.release([1], 0);
    pool.release([3], 0);
    pool.acquireAnonymous(1);
    assert.equal(pool.evictions, 1);
    assert.equal(pool.matchPrefix([2]), 0, 'block 2 was released first, so evicted first');
    assert.equal(pool.matchPrefix([1]), 1);
    assert.ok(pool.canAllocate(2));
    assert.ok(!pool.canAllocate(3));
  });

  it('counts reviving a cached block as using free space, so admission cannot over-commit', () => {
    const pool = new KvBlockPool(2, 16);
    pool.acquireHashed(1);
    pool.release([1], 0);
    pool.acquireAnonymous(1);
    assert.equal(pool.freeBlocks, 1);
    assert.equal(pool.freshNeeded([1], 1), 2, 'block 1 is cached, not held: taking it uses a free block');
    assert.ok(!pool.canAllocate(pool.freshNeeded([1], 1)));
    pool.acquireHashed(2);
    assert.equal(pool.freshNeeded([2], 0), 0, 'a held block is shared for free');
  });

  it('never shares when prefix caching is off', () => {
    const pool = new KvBlockPool(4, 16, false);
    pool.acquireHashed(7);
    assert.equal(pool.matchPrefix([7]), 0);
    pool.acquireHashed(7);
    assert.equal(pool.usedBlocks, 2);
    pool.release([7, 7], 0);
    assert.equal(pool.usedBlocks, 0);
  });

  it('records sampled block residency as vLLM defines it: lifetime, idle before eviction, reuse gap', () => {
    const pool = new KvBlockPool(2, 16);
    const bounds = [1, 2, 5, 10, 20, 30, 60];
    pool.residency = {
      sample: 1,
      lifetime: new Histogram(bounds),
      idleBeforeEvict: new Histogram(bounds),
      reuseGap: new Histogram(bounds),
    };
    const at = (s: number) => (pool.nowUs = s * 1e6);
    at(0);
    pool.acquireHashed(1); // allocated at 0
    at(4);
    pool.release([1], 0);
    at(10);
    pool.acquireHashed(1); // a prefix hit: reuse gap 10 s
    pool.release([1], 0);
    at(12);
    pool.acquireHashed(2);
    pool.release([2], 0);
    at(40);
    pool.acquireAnonymous(2); // evicts 1 (released first), then 2
    const { lifetime, idleBeforeEvict, reuseGap } = pool.residency;
    assert.deepEqual([reuseGap.count, reuseGap.sum], [1, 10]);
    // Block 1: lifetime 40 s, idle since its hit at 10 s → 30 s. Block 2: 28 s and 28 s.
    assert.deepEqual([lifetime.count, lifetime.sum], [2, 40 + 28]);
    assert.deepEqual([idleBeforeEvict.count, idleBeforeEvict.sum], [2, 30 + 28]);
    assert.deepEqual(lifetime.cumulative(), [0, 0, 0, 0, 0, 1, 2, 2]);
  });

  it('samples about the configured share of blocks, the same ones every run, whatever the hash layout', () => {
    // Hashes laid out as the workload makes them: family × 65,536 + block index.
    const hashes = Array.from({ length: 200 }, (_, family) =>
      Array.from({ length: 50 }, (_, i) => family * 65_536 + i),
    ).flat();
    const reuses = () => {
      const pool = new KvBlockPool(20_000, 16);
      const h = () => new Histogram([1]);
      pool.residency = { sample: 0.1, lifetime: h(), idleBeforeEvict: h(), reuseGap: h() };
      for (const hash of hashes) pool.acquireHashed(hash);
      for (const hash of hashes) pool.acquireHashed(hash); // one reuse per sampled block
      return pool.residency.reuseGap.count;
    };
    const n = reuses();
    assert.ok(n > 900 && n < 1100, `${n} of 10,000 blocks sampled at 10 %`);
    assert.equal(reuses(), n);
  });
});
