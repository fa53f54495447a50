import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { CacheInvalidationBus } from '../redis/cache-invalidation.bus.js';
import { RedisService } from '../redis/redis.service.js';

export const REDIS_NOT_CONNECTED = 'Redis is not connected';
export const WITHOUT_REDIS = 'rate limits count per instance, caches are bypassed';

/**
 * Redis is `degraded`, never `down`, when it does not answer: the instance keeps serving correctly
 * on its own (per-process rate limits, caches bypassed), so a load balancer must not drop it.
 */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly redis: RedisService,
    private readonly invalidation: CacheInvalidationBus,
  ) {}

  async check(key: 'redis') {
    const indicator = this.indicators.check(key);
    const problem = await this.problem();
    return problem ? indicator.degraded({ message: problem }) : indicator.up();
  }

  private async problem(): Promise<string | undefined> {
    if (!this.redis.isReady()) return `${REDIS_NOT_CONNECTED}: ${WITHOUT_REDIS}`;
    try {
      // The client's own command timeout (1 s, no offline queue) bounds the wait.
      await this.redis.client!.ping();
    } catch (error) {
      return `Redis does not answer (${(error as Error).message}): ${WITHOUT_REDIS}`;
    }
    if (!this.invalidation.trusted) return 'Cache invalidations are not subscribed yet: caches are bypassed';
    return undefined;
  }
}
