import { Injectable, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectModel } from '@nestjs/mongoose';
import { Model } from 'mongoose';
import { countInWindow, secondsLeft } from '../../common/rate-limit/fixed-window-counter.js';
import { TooManyRequestsException } from '../../common/http/too-many-requests.exception.js';
import type { AppConfig } from '../../config/app-config.js';
import { MailRequestCount } from './mail-request-count.schema.js';

export const MAIL_REQUESTS_PER_HOUR = 3;
const WINDOW_MS = 3600_000;

/**
 * At most MAIL_REQUESTS_PER_HOUR emails asked for per key (an address, an account), whoever asks, so
 * nobody can flood an inbox. Kept in MongoDB so every instance shares the count. Off when
 * RATE_LIMIT_AUTH_PER_MINUTE is 0.
 */
@Injectable()
export class MailRequestQuota implements OnModuleInit {
  private readonly enabled: boolean;

  constructor(
    @InjectModel(MailRequestCount.name)
    private readonly counts: Model<MailRequestCount>,
    config: ConfigService<AppConfig, true>,
  ) {
    this.enabled = config.get('auth.rateLimitPerMinute', { infer: true }) > 0;
  }

  async onModuleInit(): Promise<void> {
    await this.counts.init();
  }

  /** Counts one request under `key`; 429 once the key has used up its requests for the hour. */
  async take(key: string): Promise<void> {
    if (!this.enabled) return;
    const window = await countInWindow(this.counts, { key }, WINDOW_MS);
    if (window.count > MAIL_REQUESTS_PER_HOUR) {
      throw new TooManyRequestsException(secondsLeft(window, WINDOW_MS));
    }
  }
}
