import { Injectable, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectModel } from '@nestjs/mongoose';
import { Model } from 'mongoose';
import { TooManyRequestsException } from '../../common/http/too-many-requests.exception.js';
import type { AppConfig } from '../../config/app-config.js';
import { LoginFailure } from './login-failure.schema.js';

export const MAX_FAILURES_PER_ACCOUNT = 5;
export const FAILURE_WINDOW_MS = 15 * 60_000;

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
    const { count, windowStartedAt } = await this.addToWindow(email);
    if (count <= MAX_FAILURES_PER_ACCOUNT) return;
    const retryAfterMs = windowStartedAt.getTime() + FAILURE_WINDOW_MS - Date.now();
    throw new TooManyRequestsException(Math.max(1, Math.ceil(retryAfterMs / 1000)));
  }

  async reset(email: string): Promise<void> {
    if (!this.enabled) return;
    await this.failures.deleteOne({ email }).exec();
  }

  /** Adds this attempt to the account's window, or starts a new window when the last one has run out. */
  private async addToWindow(email: string): Promise<{ count: number; windowStartedAt: Date }> {
    // A second pass happens only when a concurrent attempt restarted the window first.
    for (let pass = 0; pass < 3; pass++) {
      const now = new Date();
      // One atomic upsert keyed by email alone: no concurrent attempt is lost or makes a second record.
      const record = (await this.failures
        .findOneAndUpdate(
          { email },
          { $inc: { count: 1 }, $setOnInsert: { windowStartedAt: now } },
          { upsert: true, returnDocument: 'after' },
        )
        .lean()
        .exec())!;
      if (record.windowStartedAt.getTime() > now.getTime() - FAILURE_WINDOW_MS) return record;
      // Only the first of several concurrent attempts restarts the window; the others count in the new one.
      const restarted = await this.failures
        .findOneAndUpdate(
          { email, windowStartedAt: record.windowStartedAt },
          { $set: { count: 1, windowStartedAt: now } },
          { returnDocument: 'after' },
        )
        .lean()
        .exec();
      if (restarted) return restarted;
    }
    throw new Error('Could not count a login attempt: the failure window kept changing');
  }
}
