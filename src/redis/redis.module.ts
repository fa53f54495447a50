import { Global, Module } from '@nestjs/common';
import { CacheInvalidationBus } from './cache-invalidation.bus.js';
import { RedisService } from './redis.service.js';
import { ResilientThrottlerStorage } from './resilient-throttler-storage.js';

/** Redis when REDIS_URL is set; every provider also works, in-process, without it. */
@Global()
@Module({
  providers: [RedisService, CacheInvalidationBus, ResilientThrottlerStorage],
  exports: [RedisService, CacheInvalidationBus, ResilientThrottlerStorage],
})
export class RedisModule {}
