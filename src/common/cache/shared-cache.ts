import { ExpiringCache } from './expiring-cache';
import type { InvalidationBus } from './invalidation-bus';

export interface SharedCacheOptions {
  /** Name of the cache on the invalidation bus; one per cache. */
  topic: string;
  maxEntries: number;
  /** How long a process trusts an entry at most, however long it says it is valid. */
  maxAgeMs: number;
}

/** A loaded value and the time (ms since epoch) it stops being true, when it has one. */
export interface Loaded<V> {
  value: V;
  validUntil?: number;
}

/**
 * A per-process cache whose invalidations reach every process. Keys are `group:item` by
 * convention so that `forget('group:')` drops a whole group (a project's permissions, a session's
 * checks). A value read while an invalidation happened is not stored, and entries end at their own
 * time or at the maximum age, whichever is first, so a message lost in a Redis outage costs at most
 * that age.
 */
export class SharedCache<V> {
  private readonly local: ExpiringCache<V>;

  constructor(
    private readonly options: SharedCacheOptions,
    private readonly bus: InvalidationBus,
  ) {
    this.local = new ExpiringCache<V>(options.maxEntries, options.maxAgeMs);
  }

  get(key: string): V | undefined {
    return this.local.get(key);
  }

  /** The cached value, or what `load` finds (cached unless it is null). */
  async getOrLoad(key: string, load: () => Promise<Loaded<V> | null>): Promise<V | null> {
    const hit = this.local.get(key);
    if (hit !== undefined) return hit;
    const generation = this.local.generation();
    const loaded = await load();
    if (loaded === null) return null;
    this.local.set(key, loaded.value, generation, loaded.validUntil);
    return loaded.value;
  }

  /** Drops every entry whose key starts with `prefix`, here and in every other process, before resolving. */
  async forget(prefix: string): Promise<void> {
    this.local.invalidate(prefix);
    await this.bus.publish(this.options.topic, prefix);
  }

  /** Drops entries in this process only: what another process's `forget` does here. */
  forgetLocally(prefix: string): void {
    this.local.invalidate(prefix);
  }
}
