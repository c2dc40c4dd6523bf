import type { Histogram } from './histogram.ts';

/**
 * Paged KV cache with prefix caching, as vLLM does it: memory is split into fixed-size blocks;
 * a full prompt block is identified by a hash of its tokens and everything before it, so two
 * prompts that share a prefix share those blocks. A block nobody holds stays cached (and counts
 * as free) until an allocation needs the space, then the least recently released one is evicted.
 *
 * Simplification: a hashed block is shareable from the step that allocates it, not only once its
 * compute finishes.
 */
/** Where sampled residency observations go (seconds), and which share of blocks is sampled. */
export interface KvResidencySink {
  sample: number;
  lifetime: Histogram;
  idleBeforeEvict: Histogram;
  reuseGap: Histogram;
}

/**
 * Whether a block is sampled: by its hash, so a run is deterministic and a block is in or out for
 * life. The simulator's hashes are structured (family × 65,536 + index), so they are mixed first
 * (Fibonacci hashing of both 32-bit halves); a plain modulo would skip whole families.
 */
function sampled(hash: number, sample: number): boolean {
  const mixed = Math.imul((hash | 0) ^ Math.floor(hash / 4_294_967_296), 0x9e3779b1) >>> 0;
  return mixed < sample * 4_294_967_296;
}

export class KvBlockPool {
  /** Hashed blocks held by running sequences: hash → reference count. */
  private readonly held = new Map<number, number>();
  /** Hashed blocks nobody holds, oldest release first (Map keeps insertion order). */
  private readonly cachedFree = new Map<number, true>();
  private anonymousHeld = 0;
  evictions = 0;
  /** The simulated time; the engine sets it before it acquires or releases blocks. */
  nowUs = 0;
  /** Residency of sampled hashed blocks, as vLLM's --kv-cache-metrics samples it; null: off. */
  residency: KvResidencySink | null = null;
  /** Sampled blocks in the cache: when allocated and last accessed (allocation or prefix hit). */
  private readonly tracked = new Map<number, { allocatedUs: number; lastAccessUs: number }>();

  constructor(
    readonly totalBlocks: number,
    readonly blockSize: number,
    readonly prefixCaching = true,
  ) {}

  get usedBlocks(): number {
    return this.held.size + this.anonymousHeld;
  }

  /** Cached-but-unheld blocks count as free (vLLM's definition of KV usage, engines.md §13.5). */
  get freeBlocks(): number {
    return this.totalBlocks - this.usedBlocks;
  }

  get usage(): number {
    return this.usedBlocks / this.totalBlocks;
  }

  get cachedBlocks(): number {
    return this.cachedFree.size;
  }

  /** Number of leading blocks of this prompt already in the cache. */
  matchPrefix(hashes: readonly number[]): number {
    if (!this.prefixCaching) return 0;
    let n = 0;
    while (
      n < hashes.length &&
      (this.held.has(hashes[n] as number) || this.cachedFree.has(hashes[n] as number))
    )
      n++;
    return n;
  }

  /** Can `fresh` new blocks be had (evicting cached ones if needed)? */
  canAllocate(fresh: number): boolean {
    return fresh <= this.freeBlocks;
  }

  private takeFresh(): void {
    const uncachedFree = this.totalBlocks - this.usedBlocks - this.cachedFree.size;
    if (uncachedFree > 0) return;
    const oldest = this.cachedFree.keys().next();
    if (oldest.done) throw new Error('KV cache exhausted: check canAllocate first');
    this.cachedFree.delete(oldest.value);
    this.evictions++;
    const t = this.tracked.get(oldest.value);
    if (t && this.residency) {
      this.residency.lifetime.observe((this.nowUs - t.allocatedUs) / 1e6);
      this.residency.idleBeforeEvict.observe((this.nowUs - t.lastAccessUs) / 1e6);
      this.tracked.delete(oldest.value);
    }
  }

  /** A sampled block served from the cache: one reuse gap since its previous access. */
  private accessed(hash: number): void {
    const t = this.tracked.get(hash);
    if (!t || !this.residency) return;
    this.residency.reuseGap.observe((this.nowUs - t.lastAccessUs) / 1e6);
    t.lastAccessUs = this.nowUs;
  }

  /** Holds one block for a hash: shares it when present, else takes a fresh block for it. */
  acquireHashed(hash: number): void {
    const refs = this.held.get(hash);
    if (refs !== undefined) {
      this.held.set(hash, refs + 1);
      this.accessed(hash);
      return;
    }
    if (this.cachedFree.delete(hash)) {
      this.held.set(hash, 1);
      this.accessed(hash);
      return;
    }
    this.takeFresh();
    if (this.prefixCaching) {
      this.held.set(hash, 1);
      if (this.residency && sampled(hash, this.residency.sample))
        this.tracked.set(hash, { allocatedUs: this.nowUs, lastAccessUs: this.nowUs });
    } else this.anonymousHeld++;
  }

  acquireAnonymous(count: number): void {
    for (let i = 0; i < count; i++) {
      this.takeFresh();
      this.anonymousHeld++;
    }
  }

  /**
   * Free blocks that acquiring these hashes plus `anonymous` blocks would use. Only blocks
   * someone already holds are free to share: a cached-but-unheld block counts as free space,
   * so taking it uses one up just like a new block.
   */
  freshNeeded(hashes: readonly number[], anonymous: number): number {
    let fresh = anonymous;
    for (const hash of hashes) if (!(this.held.has(hash) && this.prefixCaching)) fresh++;
    return fresh;
  }

  release(hashes: readonly number[], anonymous: number): void {
    for (const hash of hashes) {
      const refs = this.held.get(hash);
      if (refs === undefined) {
        this.anonymousHeld--; // held anonymously because prefix caching was off
        continue;
      }
      if (refs > 1) this.held.set(hash, refs - 1);
      else {
        this.held.delete(hash);
        this.cachedFree.set(hash, true);
      }
    }
    this.anonymousHeld -= anonymous;
  }
}
