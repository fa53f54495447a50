import { Injectable, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectModel } from '@nestjs/mongoose';
import { Model } from 'mongoose';
import { countInWindow, secondsLeft } from '../../common/rate-limit/fixed-window-counter.js';
import { TooManyRequestsException } from '../../common/http/too-many-requests.exception.js';
import type { AppConfig } from '../../config/app-config.js';
import { LoginFailure } from './login-failure.schema.js';

export const MAX_FAILURES_PER_ACCOUNT = 5;
export const FAILURE_WINDOW_MS = 15 * 60_000;

/** The account has used up its attempts for the window; `justLocked` on the first refusal of it. */
export class AccountLockedException extends TooManyRequestsException {
  constructor(
    retryAfterSeconds: number,
    readonly justLocked: boolean,
  ) {
    super(retryAfterSeconds);
  }
}

/**
 * Limits password checks per account (whatever the client's IP), kept in MongoDB so that every
 * instance shares the count. Each attempt is counted, atomically, before its password is checked and a
 * success clears the count: counting only after a failure would let a burst of concurrent guesses all
 * pass the check before the first failure was recorded. Off when RATE_LIMIT_AUTH_PER_MINUTE is 0.
 */
@Injectable()
export class LoginAttemptsService implements OnModuleInit {
  private readonly enabled: boolean;

  constructor(
    @InjectModel(LoginFailure.name) private readonly failures: Model<LoginFailure>,
    config: ConfigService<AppConfig, true>,
  ) {
    this.enabled = config.get('auth.rateLimitPerMinute', { infer: true }) > 0;
  }

  async onModuleInit(): Promise<void> {
    await this.failures.init();
  }

  /**
   * Counts this attempt as a failure until reset() says otherwise; 429 once the account has used up
   * its attempts for the window. The password is not looked at.
   */
  async countAttempt(email: string): Promise<void> {
    if (!this.enabled) return;
    const window = await countInWindow(this.failures, { email }, FAILURE_WINDOW_MS);
    if (window.count <= MAX_FAILURES_PER_ACCOUNT) return;
    const justLocked = window.count === MAX_FAILURES_PER_ACCOUNT + 1;
    throw new AccountLockedException(secondsLeft(window, FAILURE_WINDOW_MS), justLocked);
  }

  async reset(email: string): Promise<void> {
    if (!this.enabled) return;
    await this.failures.deleteOne({ email }).exec();
  }
}
