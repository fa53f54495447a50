import { Injectable, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectModel } from '@nestjs/mongoose';
import { Model, trusted } from 'mongoose';
import { TooManyRequestsException } from '../../common/http/too-many-requests.exception.js';
import type { AppConfig } from '../../config/app-config.js';
import { isDuplicateKeyError } from '../../database/database-errors.js';
import { LoginFailure } from './login-failure.schema.js';

export const MAX_FAILURES_PER_ACCOUNT = 5;
export const FAILURE_WINDOW_MS = 15 * 60_000;

/**
 * Limits wrong passwords per account (whatever the client's IP), kept in MongoDB so that every
 * instance shares the count. Off when RATE_LIMIT_AUTH_PER_MINUTE is 0.
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

  /** 429 while the account has used up its failures for the window; the password is not looked at. */
  async assertNotLocked(email: string): Promise<void> {
    if (!this.enabled) return;
    const record = await this.failures.findOne({ email }).lean().exec();
    if (!record || record.count < MAX_FAILURES_PER_ACCOUNT) return;
    const retryAfterMs = record.windowStartedAt.getTime() + FAILURE_WINDOW_MS - Date.now();
    if (retryAfterMs > 0) throw new TooManyRequestsException(Math.ceil(retryAfterMs / 1000));
  }

  async recordFailure(email: string): Promise<void> {
    if (!this.enabled) return;
    const windowStart = new Date(Date.now() - FAILURE_WINDOW_MS);
    const counted = await this.failures
      .updateOne({ email, windowStartedAt: trusted({ $gt: windowStart }) }, { $inc: { count: 1 } })
      .exec();
    if (counted.matchedCount > 0) return;
    try {
      await this.failures
        .updateOne(
          { email },
          { $set: { count: 1, windowStartedAt: new Date() } },
          { upsert: true },
        )
        .exec();
    } catch (error) {
      // Another request opened the window at the same moment: count this failure in it.
      if (!isDuplicateKeyError(error)) throw error;
      await this.failures.updateOne({ email }, { $inc: { count: 1 } }).exec();
    }
  }

  async reset(email: string): Promise<void> {
    if (!this.enabled) return;
    await this.failures.deleteOne({ email }).exec();
  }
}
