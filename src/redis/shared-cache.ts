import { ExpiringCache } from './expiring-cache.js';

/** One invalidation, as sent to the other instances: a key, or every entry of a tag except one key. */
export interface Invalidation {
  cache: string;
  key?: string;
  tag?: string;
  exceptKey?: string;
}

/** Carries invalidations between instances (see CacheInvalidationBus). */
export interface InvalidationChannel {
  /** False while invalidations from other instances might be missed: the cache is then bypassed. */
  readonly trusted: boolean;
  publish(invalidation: Invalidation): Promise<void>;
  /** Told after a cache applied an invalidation here (undefined: it dropped every entry). */
  applied?(cache: string, invalidation: Invalidation | undefined): void;
}

/** How often a cache answered from memory: bypassed reads count as misses (they load). */
export interface CacheStats {
  name: string;
  hits: number;
  misses: number;
}

/**
 * An ExpiringCache whose deletes reach every instance. Reads go straight to the loader while the
 * channel is not trusted, so a revocation made elsewhere is never hidden by a stale entry.
 */

export class SharedCache<V> {
  private readonly local: ExpiringCache<V>;
  private bypassed = 0;

  constructor(
    readonly name: string,
    ttlMs: number,
    private readonly channel: InvalidationChannel,
    private readonly tagOf: (value: V) => string = () => '',
  ) {
    this.local = new ExpiringCache<V>(ttlMs);
  }

  getOrLoad(key: string, load: () => Promise<V | null>): Promise<V | null> {
    if (this.channel.trusted) return this.local.getOrLoad(key, load);
    this.bypassed++;
    return load();
  }

  /** The value in memory, when it may be trusted, or undefined: then getOrLoad() it. */
  peek(key: string): V | undefined {
    return this.channel.trusted ? this.local.peek(key) : undefined;
  }

  get stats(): CacheStats {
    const { hits, misses } = this.local.stats;
    return { name: this.name, hits, misses: misses + this.bypassed };
  }

  /** Forgets `key` here and on every other instance. */
  async delete(key: string): Promise<void> {
    this.apply({ cache: this.name, key });
    await this.channel.publish({ cache: this.name, key });
  }

  /** Forgets every entry tagged `tag` (except `exceptKey`) here and on every other instance. */
  async deleteTag(tag: string, exceptKey?: string): Promise<void> {
    this.apply({ cache: this.name, tag, exceptKey });
    await this.channel.publish({ cache: this.name, tag, exceptKey });
  }

  /** Applies an invalidation to this instance's entries only. */
  apply(invalidation: Invalidation): void {
    const { key, tag, exceptKey } = invalidation;
    if (key !== undefined) this.local.delete(key);
    if (tag !== undefined) {
      this.local.deleteWhere((value, entryKey) => this.tagOf(value) === tag && entryKey !== exceptKey);
    }
    this.channel.applied?.(this.name, invalidation);
  }

  /** For entries that are stale everywhere anyway (an expired session). */
  deleteLocal(key: string): void {
    this.local.delete(key);
  }

  clearLocal(): void {
    this.local.deleteWhere(() => true);
    this.channel.applied?.(this.name, undefined);
  }
}
