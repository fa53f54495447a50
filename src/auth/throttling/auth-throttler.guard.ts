import { ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { EventEmitter2 } from '@nestjs/event-emitter';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import { REQUEST_THROTTLED, type RequestThrottledEvent } from '../../common/events/auth.events.js';
import { TooManyRequestsException } from '../../common/http/too-many-requests.exception.js';

const THROTTLE_BUCKET = 'authThrottleBucket';
const RATE_LIMITED = 'authRateLimited';

const ALLOWED = Promise.resolve(true);

/** The route gets the per-IP auth rate limit (RATE_LIMIT_AUTH_PER_MINUTE). */
export const RateLimited = () => SetMetadata(RATE_LIMITED, true);

/** Routes with the same bucket share one per-IP count (login and the token route are one sign-in). */
export const ThrottleBucket = (name: string) => SetMetadata(THROTTLE_BUCKET, name);

/**
 * Per-IP limit on signup, login and the other @RateLimited() routes; answers in the API's own 429
 * shape. Global, after the session guards and before the body is read (the last global guard), so
 * that a request over the limit is refused with its body unread; other routes pass straight through.
 */
@Injectable()
export class AuthThrottlerGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly events: EventEmitter2,
  ) {
    super(options, storage, reflector);
  }

  canActivate(context: ExecutionContext): Promise<boolean> {
    if (!this.reflector.get<boolean | undefined>(RATE_LIMITED, context.getHandler())) return ALLOWED;
    return super.canActivate(context);
  }

  protected generateKey(context: ExecutionContext, suffix: string, name: string): string {
    const bucket = this.bucketOf(context);
    return bucket ? `${bucket}-${name}-${suffix}` : super.generateKey(context, suffix, name);
  }

  protected throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    // No service runs for a refused request, so nothing else could tell (metrics count these).
    const event: RequestThrottledEvent = { bucket: this.bucketOf(context) };
    this.events.emit(REQUEST_THROTTLED, event);
    throw new TooManyRequestsException(Math.max(1, detail.timeToBlockExpire));
  }

  private bucketOf(context: ExecutionContext): string | undefined {
    return this.reflector.get<string | undefined>(THROTTLE_BUCKET, context.getHandler());
  }
}
