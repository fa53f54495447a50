/**
 * A small in-process cache whose entries live `ttlMs` at most and which holds `maxEntries` at most
 * (the oldest entry goes first). Used to spare the database a read on every authenticated request.
 */
export class ExpiringCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  /** Bumped by every delete: a value read from the database before a delete must not be cached after it. */
  private generation = 0;

  /** getOrLoad calls answered from memory, and those that had to load. */
  private readonly lookups = { hits: 0, misses: 0 };

  /** Loads `key` on a miss and caches the result, unless a delete happened while it loaded. */
  async getOrLoad(key: string, load: () => Promise<V | null>): Promise<V | null> {
    const cached = this.peek(key);
    if (cached !== undefined) return cached;
    this.lookups.misses++;
    const generation = this.generation;
    const value = await load();
    if (value !== null && generation === this.generation) this.set(key, value);
    return value;
  }

  /** The cached value, counted as a hit, or undefined (not counted: the caller then loads it). */
  peek(key: string): V | undefined {
    const cached = this.get(key);
    if (cached !== undefined) this.lookups.hits++;
    return cached;
  }

  get stats(): { hits: number; misses: number } {
    return { ...this.lookups };
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: V): void {
    if (this.ttlMs <= 0) return;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      this.entries.delete(this.entries.keys().next().value!);
    }
    this.entries.set(key, { value, expiresAt: Date.now() + this.ttlMs });
  }

  delete(key: string): void {
    this.generation++;
    this.entries.delete(key);
  }

  deleteWhere(predicate: (value: V, key: string) => boolean): void {
    this.generation++;
    for (const [key, entry] of this.entries) {
      if (predicate(entry.value, key)) this.entries.delete(key);
    }
  }
}

/**
 * How long a validated session or user may be served from memory. Revocations and edits clear the
 * entries of the instance that made them at once, and of every other instance through Redis when
 * REDIS_URL is set (see SharedCache); this TTL bounds what an instance could miss otherwise.
 */
export const AUTH_CACHE_TTL_MS = 15_000;
