interface Entry<V> {
  value: V;
  validUntil: number;
}

/**
 * A bounded in-process cache whose entries end at their own time, and whose writes are dropped
 * when an invalidation happened while the value was being read: a reader takes `generation()`
 * before going to the database and passes it to `set`.
 */
export class ExpiringCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private currentGeneration = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxAgeMs: number,
  ) {}

  get(key: string, now = Date.now()): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.validUntil <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  generation(): number {
    return this.currentGeneration;
  }

  /** Stores `value` until `validUntil` (capped by the cache's maximum age), unless invalidated since `generation`. */
  set(key: string, value: V, generation: number, validUntil = Infinity, now = Date.now()): void {
    if (generation !== this.currentGeneration) return;
    const until = Math.min(validUntil, now + this.maxAgeMs);
    if (until <= now) return;
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, validUntil: until });
  }

  /** Drops every entry whose key starts with `prefix` (all entries for ''). */
  invalidate(prefix: string): void {
    this.currentGeneration += 1;
    if (prefix === '') {
      this.entries.clear();
      return;
    }
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
