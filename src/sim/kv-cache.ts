/**
 * Paged KV cache with prefix caching, as vLLM does it: memory is split into fixed-size blocks;
 * a full prompt block is identified by a hash of its tokens and everything before it, so two
 * prompts that share a prefix share those blocks. A block nobody holds stays cached (and counts
 * as free) until an allocation needs the space, then the least recently released one is evicted.
 *
 * Simplification: a hashed block is shareable from the step that allocates it, not only once its
 * compute finishes.
 */
export class KvBlockPool {
  /** Hashed blocks held by running sequences: hash → reference count. */
  private readonly held = new Map<number, number>();
  /** Hashed blocks nobody holds, oldest release first (Map keeps insertion order). */
  private readonly cachedFree = new Map<number, true>();
  private anonymousHeld = 0;
  evictions = 0;

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
  }

  /** Holds one block for a hash: shares it when present, else takes a fresh block for it. */
  acquireHashed(hash: number): void {
    const refs = this.held.get(hash);
    if (refs !== undefined) {
      this.held.set(hash, refs + 1);
      return;
    }
    if (this.cachedFree.delete(hash)) {
      this.held.set(hash, 1);
      return;
    }
    this.takeFresh();
    if (this.prefixCaching) this.held.set(hash, 1);
    else this.anonymousHeld++;
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
