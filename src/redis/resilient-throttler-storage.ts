import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { type ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import { RedisService, requireWithRedis } from './redis.service.js';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * Throttler counters in Redis, shared by every instance, when REDIS_URL is set. While Redis cannot
 * be reached they are counted in this process (each instance then allows the limit on its own), and
 * in Redis again as soon as it answers.
 */
@Injectable()
export class ResilientThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly logger = new Logger('RateLimits');
  private readonly local = new ThrottlerStorageService();
  private readonly shared?: ThrottlerStorageRedisService;
  private usingShared = true;

  constructor(private readonly redis: RedisService) {
    if (!redis.client) return;
    const storage = requireWithRedis(
      '@nest-lab/throttler-storage-redis',
    ) as typeof import('@nest-lab/throttler-storage-redis');
    this.shared = new storage.ThrottlerStorageRedisService(redis.client);
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    if (this.shared) {
      try {
        if (!this.redis.isReady()) throw new Error('not connected');
        const record = await this.shared.increment(key, ttl, limit, blockDuration, throttlerName);
        this.use(true);
        return record;
      } catch (error) {
        this.use(false, error as Error);
      }
    }
    return this.local.increment(key, ttl, limit, blockDuration, throttlerName);
  }

  onApplicationShutdown(): void {
    this.local.onApplicationShutdown();
  }

  private use(shared: boolean, error?: Error): void {
    if (shared === this.usingShared) return;
    this.usingShared = shared;
    if (shared) this.logger.log('Counting in Redis again');
    else this.logger.warn(`Redis unavailable (${error?.message}): counting in this process`);
  }
}
