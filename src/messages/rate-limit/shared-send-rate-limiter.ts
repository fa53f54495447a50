import type { ThrottlerStorage } from '@nestjs/throttler';
import type { SendRateLimiter } from './send-rate-limiter.js';

const THROTTLER_NAME = 'chat-send';

/**
 * The send limit on the throttler's storage (ResilientThrottlerStorage): in Redis, shared by every
 * instance, with REDIS_URL set; in-process without it or while Redis is away. Once over the limit a
 * user is refused until the window that they exceeded has passed.
 */
export class SharedSendRateLimiter implements SendRateLimiter {
  constructor(
    private readonly storage: ThrottlerStorage,
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  async consume(key: string): Promise<number> {
    const { isBlocked, timeToBlockExpire } = await this.storage.increment(
      `send:${key}`,
      this.windowMs,
      this.limit,
      this.windowMs,
      THROTTLER_NAME,
    );
    return isBlocked ? Math.max(1, timeToBlockExpire) : 0;
  }
}
