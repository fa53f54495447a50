import type { Invalidation } from '../../redis/shared-cache.js';

interface Entry {
  payload: object;
  /** The token's `exp`, in ms: the entry is not served from then on. */
  expiresAt: number;
  sid: string;
  sub: string;
}

/**
 * Tokens whose signature and expiry were checked, so that the next request with the same token skips
 * the HMAC and the JSON parsing. It spares only that: every request still checks the session and the
 * user (their own caches, emptied on every instance by revocations), so a revoked session or a deleted
 * user is refused even by an entry still here. Entries end with their token, and are dropped when their
 * session is revoked or their user changes or is deleted (SharedCache invalidations, see `forget`).
 * Bounded: the oldest entry goes first.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly maxEntries = 10_000) {}

  /** The payload of `token` if it was verified and has not expired since. */
  get(token: string, now = Date.now()): object | undefined {
    const entry = this.entries.get(token);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.payload;
  }

  /** Remembers a verified token; one without an expiry, or without our claims, is not kept. */
  set(token: string, payload: unknown): void {
    if (typeof payload !== 'object' || payload === null) return;
    const { exp, sid, sub } = payload as { exp?: unknown; sid?: unknown; sub?: unknown };
    if (typeof exp !== 'number' || typeof sid !== 'string' || typeof sub !== 'string') return;
    if (this.entries.size >= this.maxEntries && !this.entries.has(token)) {
      this.entries.delete(this.entries.keys().next().value!);
    }
    this.entries.set(token, { payload, expiresAt: exp * 1000, sid, sub });
  }

  delete(token: string): void {
    this.entries.delete(token);
  }

  /**
   * Applies an invalidation of the sessions cache (by session id, or every session of a user but one)
   * or of the users cache (by user id); undefined: that cache was emptied, so is this one.
   */
  forget(cache: string, invalidation: Invalidation | undefined): void {
    if (invalidation === undefined) return this.entries.clear();
    const { key, tag, exceptKey } = invalidation;
    const matches =
      cache === 'sessions'
        ? (entry: Entry) =>
            entry.sid === key || (tag !== undefined && entry.sub === tag && entry.sid !== exceptKey)
        : cache === 'users'
          ? (entry: Entry) => entry.sub === key
          : undefined;
    if (!matches) return;
    for (const [token, entry] of this.entries) if (matches(entry)) this.entries.delete(token);
  }

  get size(): number {
    return this.entries.size;
  }
}
