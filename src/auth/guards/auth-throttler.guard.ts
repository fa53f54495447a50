import { ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import { TooManyRequestsException } from '../../common/http/too-many-requests.exception.js';

const THROTTLE_BUCKET = 'authThrottleBucket';

/** Routes with the same bucket share one per-IP count (login and the token route are one sign-in). */
export const ThrottleBucket = (name: string) => SetMetadata(THROTTLE_BUCKET, name);

/** Per-IP limit on signup and login; answers in the API's own 429 shape. */
@Injectable()
export class AuthThrottlerGuard extends ThrottlerGuard {
  protected generateKey(context: ExecutionContext, suffix: string, name: string): string {
    const bucket = this.reflector.get<string | undefined>(THROTTLE_BUCKET, context.getHandler());
    return bucket ? `${bucket}-${name}-${suffix}` : super.generateKey(context, suffix, name);
  }

  protected throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    throw new TooManyRequestsException(Math.max(1, detail.timeToBlockExpire));
  }
}
