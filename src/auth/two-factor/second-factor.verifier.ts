import { Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, trusted, Types } from 'mongoose';
import { AuditTrail } from '../../audit/audit-trail.service.js';
import type { SecondFactorMethod } from '../../audit/security-event.js';
import type { UserRecord } from '../../common/auth-context.js';
import type { ClientInfo } from '../../common/http/client-info.js';
import { Clock } from '../../common/clock.js';
import { MailService } from '../../mail/mail.service.js';
import {
  AccountLockedException,
  type CountedAttempt,
  LoginAttemptsService,
} from '../throttling/login-attempts.service.js';
import { hashRecoveryCode } from './recovery-codes.js';
import { TwoFactor } from './schemas/two-factor.schema.js';
import { TwoFactorSecretBox } from './secret-box.js';
import { matchTotp } from './totp.js';

export const INVALID_CODE = 'Invalid code';

/** A second factor that did not match, or was already used. */
export class InvalidSecondFactorException extends UnauthorizedException {
  constructor() {
    super(INVALID_CODE);
  }
}

/** What a person typed as their second factor. */
export interface SecondFactorAnswer {
  method: SecondFactorMethod;
  value: string;
}

/** A `code` that may be either kind: six digits (spaces aside) are an authenticator code, anything else a recovery code. */
export function answerOf(code: string): SecondFactorAnswer {
  const digits = code.replace(/\s/g, '');
  return /^\d{6}$/.test(digits)
    ? { method: 'totp', value: digits }
    : { method: 'recovery_code', value: code };
}

/**
 * Checks second factors. Each TOTP time step and each recovery code works once per user, enforced by
 * conditional updates, so two requests with one code cannot both pass. Every check counts toward the
 * account's failed-attempt limit, like a password.
 */
@Injectable()
export class SecondFactorVerifier {
  private readonly logger = new Logger(SecondFactorVerifier.name);

  constructor(
    @InjectModel(TwoFactor.name) private readonly factors: Model<TwoFactor>,
    private readonly box: TwoFactorSecretBox,
    private readonly clock: Clock,
    private readonly attempts: LoginAttemptsService,
    private readonly audit: AuditTrail,
    private readonly mail: MailService,
  ) {}

  /** Whether signing in to this account takes a second factor. */
  async isRequired(user: Types.ObjectId): Promise<boolean> {
    return (await this.factors.exists({ user, enabled: true })) !== null;
  }

  /**
   * The method that matched, or null. 429 once the account has used up its attempts. `purpose`
   * `sign-in` records a refusal as `login.2fa_failed`; a confirmation (disabling) only counts it.
   */
  async verify(
    user: UserRecord,
    answer: SecondFactorAnswer,
    purpose: 'sign-in' | 'confirmation',
    client: ClientInfo,
  ): Promise<SecondFactorMethod | null> {
    const counted = await this.countAttempt(user, answer, purpose, client);
    const matched =
      answer.method === 'totp'
        ? await this.useTotp(user._id, answer.value)
        : await this.useRecoveryCode(user, answer.value, client);
    if (!matched) {
      if (purpose === 'sign-in') {
        await this.audit.record('login.2fa_failed', {
          client,
          userId: user._id,
          reason: 'wrong_code',
          secondFactor: answer.method,
        });
      }
      return null;
    }
    await this.attempts.succeeded(counted);
    return answer.method;
  }

  private async countAttempt(
    user: UserRecord,
    answer: SecondFactorAnswer,
    purpose: string,
    client: ClientInfo,
  ): Promise<CountedAttempt> {
    try {
      return await this.attempts.countSecondFactor(user.email);
    } catch (error) {
      if (error instanceof AccountLockedException && purpose === 'sign-in') {
        await this.audit.record('login.2fa_failed', {
          client,
          userId: user._id,
          reason: 'locked',
          secondFactor: answer.method,
        });
        if (error.justLocked) await this.audit.record('login.locked', { client, userId: user._id });
      }
      throw error;
    }
  }

  private async useTotp(user: Types.ObjectId, code: string): Promise<boolean> {
    const factor = await this.factors
      .findOne({ user, enabled: true })
      .select('secret lastUsedStep')
      .lean<Pick<TwoFactor, 'secret' | 'lastUsedStep'> & { _id: Types.ObjectId }>()
      .exec();
    if (!factor) return false;
    let secret: string;
    try {
      secret = this.box.open(factor.secret, user);
    } catch (error) {
      // Recovery codes are hashes, not sealed: they still work, and the operator learns why codes do not.
      this.logger.error(
        `A two-factor secret could not be opened (was TWO_FACTOR_ENCRYPTION_KEY changed?): ${(error as Error).message}`,
      );
      return false;
    }
    const step = await matchTotp(secret, code, this.clock.now(), factor.lastUsedStep);
    if (step === null) return false;
    // The step is taken only if no request took it (or a later one) meanwhile.
    const taken = await this.factors
      .updateOne(
        { _id: factor._id, enabled: true, lastUsedStep: trusted({ $lt: step }) },
        { $set: { lastUsedStep: step } },
      )
      .exec();
    return taken.modifiedCount === 1;
  }

  private async useRecoveryCode(user: UserRecord, code: string, client: ClientInfo): Promise<boolean> {
    const hash = hashRecoveryCode(code);
    if (!hash) return false;
    const factor = await this.factors
      .findOneAndUpdate(
        { user: user._id, enabled: true, recoveryCodes: hash },
        { $pull: { recoveryCodes: hash } },
        { returnDocument: 'after' },
      )
      .select('recoveryCodes')
      .lean<Pick<TwoFactor, 'recoveryCodes'>>()
      .exec();
    if (!factor) return false;
    await this.audit.record('2fa.recovery_code_used', { client, userId: user._id });
    void this.mail.sendRecoveryCodeUsed(user, factor.recoveryCodes.length);
    return true;
  }
}
