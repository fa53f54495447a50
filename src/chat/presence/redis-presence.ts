import { randomUUID } from 'node:crypto';
import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { RedisService } from '../../redis/redis.service.js';
import { InMemoryPresence } from './in-memory-presence.js';
import { type Presence, PRESENCE_CHANGED } from './presence.js';

/** How often an instance rewrites its entry, and how long the entry outlives a silent instance. */
const PRESENCE_HEARTBEAT_MS = 5_000;
const PRESENCE_TTL_MS = 15_000;

const INSTANCES_KEY = 'presence:instances';
const instanceKey = (id: string) => `presence:instance:${id}`;

/**
 * Presence shared by every instance. Each instance counts its own sockets in memory and publishes
 * the set of its online users to Redis, with an expiry it renews every few seconds: the users of an
 * instance that dies drop out of everyone's list within PRESENCE_TTL_MS, and the instance that then
 * removes its entry announces PRESENCE_CHANGED so the new list is sent. While Redis is away each
 * instance knows only its own users; the next heartbeat after Redis returns republishes them.
 */
@Injectable()
export class RedisPresence implements Presence, OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('Presence');
  private readonly local = new InMemoryPresence();
  private readonly instanceId = randomUUID();
  private heartbeat?: NodeJS.Timeout;

  constructor(
    private readonly redis: RedisService,
    private readonly events: EventEmitter2,
  ) {}

  onModuleInit(): void {
    this.heartbeat = setInterval(() => void this.publishAll(), PRESENCE_HEARTBEAT_MS).unref();
  }

  /** Before the Redis connections close: this instance's users leave everyone's list at once. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.heartbeat);
    await this.attempt(
      this.redis.client
        ?.multi()
        .zrem(INSTANCES_KEY, this.instanceId)
        .del(instanceKey(this.instanceId))
        .exec(),
    );
  }

  async connect(userId: string): Promise<boolean> {
    const cameOnline = await this.local.connect(userId);
    if (cameOnline) {
      const key = instanceKey(this.instanceId);
      await this.attempt(
        this.redis.client
          ?.multi()
          .sadd(key, userId)
          .pexpire(key, PRESENCE_TTL_MS)
          .zadd(INSTANCES_KEY, Date.now() + PRESENCE_TTL_MS, this.instanceId)
          .exec(),
      );
    }
    return cameOnline;
  }

  async disconnect(userId: string): Promise<boolean> {
    const wentOffline = await this.local.disconnect(userId);
    if (wentOffline) await this.attempt(this.redis.client?.srem(instanceKey(this.instanceId), userId));
    return wentOffline;
  }

  async online(): Promise<string[]> {
    const client = this.redis.client;
    if (client && this.redis.isReady()) {
      try {
        const instances = await client.zrangebyscore(INSTANCES_KEY, Date.now(), '+inf');
        const keys = [...new Set([...instances, this.instanceId])].map(instanceKey);
        const shared = await client.sunion(...keys);
        return [...new Set([...shared, ...(await this.local.online())])];
      } catch (error) {
        this.logger.warn(`Could not read shared presence: ${(error as Error).message}`);
      }
    }
    return this.local.online();
  }

  /** Rewrites this instance's users and renews its expiry; drops instances that stopped renewing. */
  private async publishAll(): Promise<void> {
    const client = this.redis.client;
    if (!client || !this.redis.isReady()) return;
    const users = await this.local.online();
    const key = instanceKey(this.instanceId);
    const now = Date.now();
    const transaction = client.multi().del(key);
    if (users.length > 0) transaction.sadd(key, ...users).pexpire(key, PRESENCE_TTL_MS);
    transaction
      .zadd(INSTANCES_KEY, now + PRESENCE_TTL_MS, this.instanceId)
      .zremrangebyscore(INSTANCES_KEY, '-inf', now);
    const results = await this.attempt(transaction.exec());
    // Only one instance removes a given dead entry, so only one announces it.
    const removedInstances = results?.at(-1)?.[1];
    if (typeof removedInstances === 'number' && removedInstances > 0) this.events.emit(PRESENCE_CHANGED);
  }

  private async attempt<T>(command: Promise<T> | undefined): Promise<T | undefined> {
    try {
      return await command;
    } catch (error) {
      this.logger.warn(`Could not update shared presence: ${(error as Error).message}`);
      return undefined;
    }
  }
}
