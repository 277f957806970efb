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
  /** Loads under way, so that concurrent misses of one key make one read, not one each. */
  private readonly loading = new Map<string, Promise<V | null>>();
  /** Told of every prefix dropped in this process, whichever process forgot it. */
  private readonly forgetListeners: ((prefix: string) => void)[] = [];

  constructor(
    private readonly options: SharedCacheOptions,
    private readonly bus: InvalidationBus,
  ) {
    this.local = new ExpiringCache<V>(options.maxEntries, options.maxAgeMs);
  }

  get(key: string): V | undefined {
    return this.local.get(key);
  }

  /**
   * The cached value, or what `load` finds (cached unless it is null). A hit is returned as it is,
   * not wrapped in a promise: this sits on every request's path.
   */
  getOrLoad(key: string, load: () => Promise<Loaded<V> | null>): V | Promise<V | null> {
    const hit = this.local.get(key);
    if (hit !== undefined) return hit;
    const joined = this.loading.get(key);
    if (joined) return joined;
    const pending: Promise<V | null> = this.load(key, load).finally(() => {
      if (this.loading.get(key) === pending) this.loading.delete(key);
    });
    this.loading.set(key, pending);
    return pending;
  }

  private async load(key: string, load: () => Promise<Loaded<V> | null>): Promise<V | null> {
    const generation = this.local.generation();
    const loaded = await load();
    if (loaded === null) return null;
    this.local.set(key, loaded.value, generation, loaded.validUntil);
    return loaded.value;
  }

  /** Drops every entry whose key starts with `prefix`, here and in every other process, before resolving. */
  async forget(prefix: string): Promise<void> {
    this.forgetLocally(prefix);
    await this.bus.publish(this.options.topic, prefix);
  }

  /** Drops entries in this process only: what another process's `forget` does here. */
  forgetLocally(prefix: string): void {
    this.local.invalidate(prefix);
    // A read that started before the change may return what it found to its own callers, but
    // later callers must not join it.
    for (const key of this.loading.keys()) if (key.startsWith(prefix)) this.loading.delete(key);
    for (const listener of this.forgetListeners) listener(prefix);
  }

  /**
   * Calls `listener` with each prefix dropped in this process (`''` for everything), after the
   * entries are gone: whoever holds something decided from them (an open stream) can decide again.
   */
  onForget(listener: (prefix: string) => void): void {
    this.forgetListeners.push(listener);
  }
}
