import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectModel } from '@nestjs/mongoose';
import { Model } from 'mongoose';
import {
  countInWindow,
  secondsLeft,
  type WindowCount,
} from '../../common/rate-limit/fixed-window-counter.js';
import { TooManyRequestsException } from '../../common/http/too-many-requests.exception.js';
import type { AppConfig, LoginLimits } from '../../config/app-config.js';
import { LoginFailure, OBSOLETE_EMAIL_INDEX } from './login-failure.schema.js';

/** A sign-in refused by a limit; `justLocked` on the first refusal of that limit in its window. */
export class AccountLockedException extends TooManyRequestsException {
  constructor(
    retryAfterSeconds: number,
    readonly justLocked: boolean,
  ) {
    super(retryAfterSeconds);
  }
}

/** Who is trying which account: the normalised email, the client's network, a known device if any. */
export interface LoginAttempt {
  email: string;
  /** clientNetwork() of the client: an IPv4 address or an IPv6 /64. */
  network: string;
  /** The id of a valid known-device cookie of this account (KnownDevices), if the client sent one. */
  knownDevice?: string;
}

/** Where an attempt was counted, so that its success undoes exactly that. */
export interface CountedAttempt {
  email: string;
  device?: string;
  network?: string;
  accountWindow?: Date;
}

/**
 * Slows password guessing without handing the attacker a way to lock the owner out. Every attempt is
 * counted, atomically and before its password is checked (counting only failures would let a burst of
 * concurrent guesses all pass the check before the first failure was recorded); a success undoes its
 * own count. Kept in MongoDB so that every instance shares the counts.
 *
 * - A client that brings a known-device cookie of the account is counted under that device alone,
 *   with a small budget: the owner's own browser is never locked by someone else's guesses. Once the
 *   budget is used up (a stolen cookie), the device counts as any other client.
 * - Any other client is counted per account and client network (IPv4 address, IPv6 /64): after
 *   `perAddress` failures that network is refused for the account. Across all networks an account
 *   takes at most `perAccount` failures (a botnet's ceiling), after which only known devices may try.
 *
 * Off when RATE_LIMIT_AUTH_PER_MINUTE is 0.
 */
@Injectable()
export class LoginAttemptsService implements OnModuleInit {
  private readonly logger = new Logger(LoginAttemptsService.name);
  private readonly enabled: boolean;
  private readonly limits: LoginLimits;

  constructor(
    @InjectModel(LoginFailure.name) private readonly failures: Model<LoginFailure>,
    config: ConfigService<AppConfig, true>,
  ) {
    this.enabled = config.get('auth.rateLimitPerMinute', { infer: true }) > 0;
    this.limits = config.get('auth.loginLimits', { infer: true });
  }

  async onModuleInit(): Promise<void> {
    await this.dropObsoleteIndex();
    await this.failures.init();
  }

  /**
   * Counts this attempt as a failure until succeeded() says otherwise; 429 once a limit it falls under
   * is used up for the window. The password is not looked at.
   */
  async countAttempt({ email, network, knownDevice }: LoginAttempt): Promise<CountedAttempt> {
    if (!this.enabled) return { email };
    if (knownDevice) {
      const device = await this.count(email, `device:${knownDevice}`);
      if (device.count <= this.limits.perKnownDevice) return { email, device: knownDevice };
    }
    const address = await this.count(email, `address:${network}`);
    this.refuseOver(address, this.limits.perAddress);
    // Only attempts that get a password checked count toward the ceiling of the account.
    const account = await this.count(email, 'account');
    this.refuseOver(account, this.limits.perAccount);
    return { email, network, accountWindow: account.windowStartedAt };
  }

  /** The password was right: this client starts afresh, and the account's ceiling gets its count back. */
  async succeeded({ email, device, network, accountWindow }: CountedAttempt): Promise<void> {
    if (!this.enabled) return;
    if (device) await this.failures.deleteOne({ email, scope: `device:${device}` }).exec();
    if (network) await this.failures.deleteOne({ email, scope: `address:${network}` }).exec();
    if (accountWindow) {
      // Only within the window it was counted in: a newer window never saw this attempt.
      await this.failures
        .updateOne({ email, scope: 'account', windowStartedAt: accountWindow }, { $inc: { count: -1 } })
        .exec();
    }
  }

  /**
   * A second-factor code (at sign-in, or to turn two-factor sign-in off): counted toward the account's
   * ceiling across every network, like a password from an unknown client; 429 past it. The challenge
   * itself dies after a few wrong codes, so this bounds the guesses an attacker with the password has.
   */
  async countSecondFactor(email: string): Promise<CountedAttempt> {
    if (!this.enabled) return { email };
    const account = await this.count(email, 'account');
    this.refuseOver(account, this.limits.perAccount);
    return { email, accountWindow: account.windowStartedAt };
  }

  /**
   * A signed-in user re-typing their password (password change, email change, deletion): a budget of
   * its own per account, so that a stolen session is no guessing oracle, while the login counts above
   * never see it (someone guessing logins cannot block the owner's password change either).
   */
  async countConfirmation(email: string): Promise<void> {
    if (!this.enabled) return;
    const window = await this.count(email, 'confirm');
    if (window.count > this.limits.perConfirmation) {
      throw new TooManyRequestsException(secondsLeft(window, this.limits.windowMs));
    }
  }

  async confirmationSucceeded(email: string): Promise<void> {
    if (!this.enabled) return;
    await this.failures.deleteOne({ email, scope: 'confirm' }).exec();
  }

  /** A password reset proved the mailbox: every count of the account starts afresh. */
  async reset(email: string): Promise<void> {
    if (!this.enabled) return;
    await this.failures.deleteMany({ email }).exec();
  }

  private count(email: string, scope: string): Promise<WindowCount> {
    return countInWindow(this.failures, { email, scope }, this.limits.windowMs);
  }

  private refuseOver(window: WindowCount, limit: number): void {
    if (window.count <= limit) return;
    const justLocked = window.count === limit + 1;
    throw new AccountLockedException(secondsLeft(window, this.limits.windowMs), justLocked);
  }

  /** Before scopes, one unique count per email: that index would refuse a second scope of an account. */
  private async dropObsoleteIndex(): Promise<void> {
    const indexes = await this.failures.listIndexes().catch(() => []);
    if (!indexes.some((index: { name?: string }) => index.name === OBSOLETE_EMAIL_INDEX)) return;
    await this.failures.collection.dropIndex(OBSOLETE_EMAIL_INDEX).catch((error: Error) => {
      // Another instance starting at the same time may have dropped it first.
      this.logger.debug(`Could not drop ${OBSOLETE_EMAIL_INDEX}: ${error.message}`);
    });
    this.logger.log(`Dropped the obsolete ${OBSOLETE_EMAIL_INDEX} index of login_failures`);
  }
}
