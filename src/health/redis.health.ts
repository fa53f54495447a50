import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { RedisService } from '../redis/redis.service.js';

const PING_TIMEOUT_MS = 1000;

/**
 * Redis is `degraded`, never `down`, when it does not answer: the instance keeps serving correctly
 * on its own (per-process rate limits, caches bypassed), so a load balancer must not drop it.
 */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly redis: RedisService,
  ) {}

  async check(key: 'redis') {
    const indicator = this.indicators.check(key);
    const client = this.redis.client!;
    try {
      if (!this.redis.isReady()) throw new Error('not connected');
      await Promise.race([
        client.ping(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('no answer')), PING_TIMEOUT_MS).unref()),
      ]);
      return indicator.up();
    } catch (error) {
      return indicator.degraded({
        message: `Redis ${(error as Error).message}: rate limits count per instance, caches are bypassed`,
      });
    }
  }
}
