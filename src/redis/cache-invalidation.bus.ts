import { randomUUID } from 'node:crypto';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { type CacheStats, type Invalidation, type InvalidationChannel, SharedCache } from './shared-cache.js';
import { AUTH_CACHE_TTL_MS } from './expiring-cache.js';
import { RedisService } from './redis.service.js';

interface Envelope extends Invalidation {
  origin: string;
}

const CHANNEL = 'cache-invalidation';

/**
 * Makes the in-process auth caches safe with several instances. Every delete is published on Redis
 * and applied by every instance. An instance trusts its caches only while its subscription is live:
 * when it drops, the caches are bypassed (every request reads MongoDB), and when it is back they are
 * emptied first, since invalidations may have been missed meanwhile. Without Redis the caches are
 * always trusted (one instance).
 */
@Injectable()
export class CacheInvalidationBus implements OnModuleInit, InvalidationChannel {
  private readonly logger = new Logger('CacheInvalidation');
  private readonly origin = randomUUID();
  private readonly caches = new Map<string, SharedCache<unknown>>();
  private readonly appliedListeners: Array<(cache: string, invalidation: Invalidation | undefined) => void> =
    [];
  private subscribed = false;

  constructor(private readonly redis: RedisService) {}

  onModuleInit(): void {
    const subscriber = this.redis.subscriber;
    if (!subscriber) return;
    const channel = this.redis.channel(CHANNEL);
    subscriber.on('message', (from: string, message: string) => {
      if (from === channel) this.receive(message);
    });
    const subscribe = () => {
      subscriber.subscribe(channel).then(
        () => this.setSubscribed(true),
        (error: Error) => this.logger.warn(`Could not subscribe: ${error.message}`),
      );
    };
    subscriber.on('ready', subscribe);
    subscriber.on('close', () => this.setSubscribed(false));
    // The connection may have become ready while other modules were still starting.
    if (subscriber.status === 'ready') subscribe();
  }

  /** A cache whose deletes reach every instance; `tagOf` names the group an entry belongs to. */
  createCache<V>(name: string, ttlMs: number, tagOf?: (value: V) => string): SharedCache<V> {
    const cache = new SharedCache<V>(name, ttlMs, this, tagOf);
    this.caches.set(name, cache as SharedCache<unknown>);
    return cache;
  }

  /**
   * Called after any cache made here applied an invalidation on this instance, whether made here or
   * received from another instance (undefined: the cache dropped every entry). For data derived from
   * those caches' entries (verified session tokens).
   */
  onApplied(listener: (cache: string, invalidation: Invalidation | undefined) => void): void {
    this.appliedListeners.push(listener);
  }

  applied(cache: string, invalidation: Invalidation | undefined): void {
    for (const listener of this.appliedListeners) listener(cache, invalidation);
  }

  /** Hits and misses of every cache made here (sessions, users), for metrics. */
  stats(): CacheStats[] {
    return [...this.caches.values()].map((cache) => cache.stats);
  }

  /** Whether cached entries may be served: no other instance can have changed them unseen. */
  get trusted(): boolean {
    return !this.redis.enabled || this.subscribed;
  }

  /** Tells the other instances; a failure is logged, never thrown (the write it follows succeeded). */
  async publish(invalidation: Invalidation): Promise<void> {
    const client = this.redis.client;
    if (!client) return;
    const envelope: Envelope = { ...invalidation, origin: this.origin };
    try {
      await client.publish(this.redis.channel(CHANNEL), JSON.stringify(envelope));
    } catch (error) {
      this.logger.warn(
        `Could not publish an invalidation of ${invalidation.cache} (${(error as Error).message}): other instances may serve the old entry for ${AUTH_CACHE_TTL_MS / 1000} s at most`,
      );
    }
  }

  private receive(message: string): void {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(message) as Envelope;
    } catch {
      return;
    }
    if (envelope.origin === this.origin) return;
    this.caches.get(envelope.cache)?.apply(envelope);
  }

  private setSubscribed(subscribed: boolean): void {
    if (subscribed === this.subscribed) return;
    // Whatever was cached before may have been invalidated while nobody was listening.
    for (const cache of this.caches.values()) cache.clearLocal();
    this.subscribed = subscribed;
  }
}
