import { BadRequestException, ConflictException, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { OnEvent } from '@nestjs/event-emitter';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { AuditTrail } from '../../audit/audit-trail.service.js';
import type { AuthContext, UserRecord } from '../../common/auth-context.js';
import type { ClientInfo } from '../../common/http/client-info.js';
import { Clock } from '../../common/clock.js';
import { USER_DELETED, type UserDeletedEvent } from '../../common/events/auth.events.js';
import type { AppConfig } from '../../config/app-config.js';
import { isDuplicateKeyError } from '../../database/database-errors.js';
import { MailService } from '../../mail/mail.service.js';
import { UsersService } from '../../users/users.service.js';
import { PasswordConfirmation } from '../password/password-confirmation.js';
import { SessionsService } from '../sessions/sessions.service.js';
import type {
  RecoveryCodesDto,
  TwoFactorDisabledDto,
  TwoFactorSetupDto,
  TwoFactorStatusDto,
} from './dto/two-factor-responses.dto.js';
import { hashRecoveryCode, newRecoveryCodes } from './recovery-codes.js';
import { TwoFactor } from './schemas/two-factor.schema.js';
import { answerOf, INVALID_CODE, SecondFactorVerifier } from './second-factor.verifier.js';
import { TwoFactorSecretBox } from './secret-box.js';
import { TwoFactorChallenges } from './two-factor-challenges.js';
import { matchTotp, newTotpSecret, totpUri } from './totp.js';

export const ALREADY_ENABLED = 'Two-factor sign-in is already enabled';
export const NOT_ENABLED = 'Two-factor sign-in is not enabled';
export const NO_SETUP = 'No two-factor setup to confirm: start with POST /api/auth/2fa/setup';

/** A signed-in user's own second factor: set it up, enable it, renew its recovery codes, disable it. */
@Injectable()
export class TwoFactorService implements OnModuleInit {
  private readonly logger = new Logger(TwoFactorService.name);
  private readonly issuer: string;

  constructor(
    @InjectModel(TwoFactor.name) private readonly factors: Model<TwoFactor>,
    private readonly box: TwoFactorSecretBox,
    private readonly clock: Clock,
    private readonly confirmation: PasswordConfirmation,
    private readonly verifier: SecondFactorVerifier,
    private readonly challenges: TwoFactorChallenges,
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly audit: AuditTrail,
    private readonly mail: MailService,
    config: ConfigService<AppConfig, true>,
  ) {
    this.issuer = config.get('twoFactor.issuer', { infer: true });
  }

  /** The unique index must exist before two setups can race. */
  async onModuleInit(): Promise<void> {
    await this.factors.init();
  }

  async status(user: Types.ObjectId): Promise<TwoFactorStatusDto> {
    const factor = await this.enabledFactor(user);
    return { enabled: factor !== null, recoveryCodesRemaining: factor?.recoveryCodes.length ?? 0 };
  }

  /** A new pending secret (replacing a pending one); nothing changes for sign-in until enable. */
  async setup(user: UserRecord, password: string): Promise<TwoFactorSetupDto> {
    if (await this.enabledFactor(user._id)) throw new ConflictException(ALREADY_ENABLED);
    await this.confirmation.confirm(user, password);
    const secret = await newTotpSecret();
    try {
      await this.factors
        .updateOne(
          { user: user._id, enabled: false },
          {
            $set: { secret: this.box.seal(secret, user._id), recoveryCodes: [] },
            $unset: { lastUsedStep: 1 },
          },
          { upsert: true },
        )
        .exec();
    } catch (error) {
      // An enabled factor is there (enabled meanwhile): the upsert's insert hit the unique index.
      if (isDuplicateKeyError(error)) throw new ConflictException(ALREADY_ENABLED);
      throw error;
    }
    const otpauthUrl = await totpUri(this.issuer, user.email, secret);
    // Loaded when first needed, like the other libraries of rare routes (memory an idle instance keeps).
    const { default: QRCode } = await import('qrcode');
    return { secret, otpauthUrl, qrCode: await QRCode.toDataURL(otpauthUrl) };
  }

  /**
   * Turns the pending factor on with a first code, which is then used up like any other; answers the
   * recovery codes, once. Every other session of the user ends: whoever else was signed in did so
   * without the second factor.
   */
  async enable({ user, session }: AuthContext, code: string, client: ClientInfo): Promise<RecoveryCodesDto> {
    const pending = await this.factors
      .findOne({ user: user._id })
      .select('secret enabled')
      .lean<Pick<TwoFactor, 'secret' | 'enabled'> & { _id: Types.ObjectId }>()
      .exec();
    if (pending?.enabled) throw new ConflictException(ALREADY_ENABLED);
    const secret = pending && this.openSecret(pending.secret, user._id);
    if (!pending || !secret) throw new BadRequestException(NO_SETUP);
    const step = await matchTotp(secret, answerOf(code).value, this.clock.now());
    if (step === null) throw new BadRequestException(INVALID_CODE);
    const recoveryCodes = newRecoveryCodes();
    const { modifiedCount } = await this.factors
      .updateOne(
        { _id: pending._id, enabled: false, secret: pending.secret },
        { $set: { enabled: true, lastUsedStep: step, recoveryCodes: recoveryCodes.map(hashRecoveryCode) } },
      )
      .exec();
    if (modifiedCount !== 1) {
      // A concurrent enable won, or a new setup replaced the secret this code belongs to.
      if (await this.enabledFactor(user._id)) throw new ConflictException(ALREADY_ENABLED);
      throw new BadRequestException(INVALID_CODE);
    }
    await this.users.setTwoFactorEnabled(user._id, true);
    await this.sessions.revokeAll(user._id, session._id);
    await this.audit.record('2fa.enabled', { client, userId: user._id });
    void this.mail.sendTwoFactorEnabled(user);
    return { recoveryCodes };
  }

  /** Ten new recovery codes; every older one stops working. */
  async regenerateRecoveryCodes(
    user: UserRecord,
    password: string,
    client: ClientInfo,
  ): Promise<RecoveryCodesDto> {
    if (!(await this.enabledFactor(user._id))) throw new ConflictException(NOT_ENABLED);
    await this.confirmation.confirm(user, password);
    const recoveryCodes = newRecoveryCodes();
    const { matchedCount } = await this.factors
      .updateOne(
        { user: user._id, enabled: true },
        { $set: { recoveryCodes: recoveryCodes.map(hashRecoveryCode) } },
      )
      .exec();
    if (matchedCount === 0) throw new ConflictException(NOT_ENABLED);
    await this.audit.record('2fa.recovery_codes_regenerated', { client, userId: user._id });
    return { recoveryCodes };
  }

  /**
   * Turns two-factor sign-in off, with the password and a second factor. The code is checked first:
   * a right password clears the account's failure count, which must not happen before a guessed
   * code is counted.
   */
  async disable(
    user: UserRecord,
    password: string,
    code: string,
    client: ClientInfo,
  ): Promise<TwoFactorDisabledDto> {
    if (!(await this.enabledFactor(user._id))) throw new ConflictException(NOT_ENABLED);
    if (!(await this.verifier.verify(user, answerOf(code), 'confirmation', client))) {
      throw new BadRequestException(INVALID_CODE);
    }
    await this.confirmation.confirm(user, password);
    await this.remove(user._id);
    await this.audit.record('2fa.disabled', { client, userId: user._id });
    void this.mail.sendTwoFactorDisabled(user);
    return { enabled: false };
  }

  /** A deleted account takes its factor and its pending sign-ins with it. */
  @OnEvent(USER_DELETED)
  async removeForDeletedUser({ userId }: UserDeletedEvent): Promise<void> {
    await this.remove(new Types.ObjectId(userId));
  }

  private async remove(user: Types.ObjectId): Promise<void> {
    await this.factors.deleteOne({ user }).exec();
    await this.users.setTwoFactorEnabled(user, false);
    await this.challenges.deleteForUser(user);
  }

  private enabledFactor(user: Types.ObjectId): Promise<Pick<TwoFactor, 'recoveryCodes'> | null> {
    return this.factors
      .findOne({ user, enabled: true })
      .select('recoveryCodes')
      .lean<Pick<TwoFactor, 'recoveryCodes'>>()
      .exec();
  }

  /** The pending secret, or null when it was sealed under another key (TWO_FACTOR_ENCRYPTION_KEY changed). */
  private openSecret(sealed: string, user: Types.ObjectId): string | null {
    try {
      return this.box.open(sealed, user);
    } catch (error) {
      this.logger.warn(`A pending two-factor secret could not be opened: ${(error as Error).message}`);
      return null;
    }
  }
}
