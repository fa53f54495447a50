import { Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { isValidObjectId, Types } from 'mongoose';
import { AuditTrail } from '../audit/audit-trail.service.js';
import type { LoginFailureReason } from '../audit/security-event.js';
import { UsersService } from '../users/users.service.js';
import type { ClientInfo } from '../common/http/client-info.js';
import type { SessionTokenPayload } from './sessions/session-token.js';
import type { LoginDto } from './dto/login.dto.js';
import type { SignupDto } from './dto/signup.dto.js';
import { INVALID_CREDENTIALS } from './auth.constants.js';
import { EmailVerificationService } from './email-verification/email-verification.service.js';
import { PasswordHasher } from './password/password-hasher.js';
import { PasswordPolicy } from './password/password-policy.js';
import { SessionAuthenticator } from './sessions/session-authenticator.js';
import { type SignedInSession, SignInPipeline, type SignInResult } from './sign-in/sign-in.pipeline.js';
import type { SecondFactorInput } from './two-factor/second-factor.gate.js';
import { SessionsService } from './sessions/sessions.service.js';
import { clientNetwork } from './throttling/client-network.js';
import { KnownDevices } from './throttling/known-devices.js';
import {
  AccountLockedException,
  type CountedAttempt,
  type LoginAttempt,
  LoginAttemptsService,
} from './throttling/login-attempts.service.js';

@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);

  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly hasher: PasswordHasher,
    private readonly policy: PasswordPolicy,
    private readonly attempts: LoginAttemptsService,
    private readonly devices: KnownDevices,
    private readonly signIn: SignInPipeline,
    private readonly verification: EmailVerificationService,
    private readonly authenticator: SessionAuthenticator,
    private readonly audit: AuditTrail,
  ) {}

  async signup(dto: SignupDto, client: ClientInfo): Promise<SignedInSession> {
    this.policy.assertAcceptable(dto.password);
    const user = await this.users.create({
      email: dto.email,
      fullName: dto.fullName,
      passwordHash: await this.hasher.hash(dto.password),
    });
    // Not awaited: the mail server's speed must not be the signup's.
    void this.verification.sendLink(user);
    const result = await this.signIn.complete({ user, client, event: 'signup', method: 'password' });
    if (result.outcome !== 'signed-in') throw new Error('A new account was asked for a second factor');
    return result;
  }

  /**
   * `knownDevice`: the client's known-device cookie, if it sent one (see KnownDevices); it decides
   * which failure counts the attempt falls under, never whether the password is right.
   * `secondFactor`: how a second factor is taken if the account has one (default: a challenge).
   */
  async login(
    dto: LoginDto,
    client: ClientInfo,
    { knownDevice, secondFactor }: { knownDevice?: unknown; secondFactor?: SecondFactorInput } = {},
  ): Promise<SignInResult> {
    const found = await this.users.findByEmailWithPassword(dto.email);
    const counted = await this.countAttempt(
      {
        email: dto.email,
        network: clientNetwork(client.ip),
        knownDevice: found ? this.devices.deviceOf(knownDevice, found.user._id) : undefined,
      },
      client,
      found?.user._id,
    );
    if (!found) {
      await this.hasher.verifyDummy(dto.password);
      throw await this.loginFailed('unknown_email', client);
    }
    if (found.passwordHash === null) {
      // An account made by a sign-in provider: answered as a wrong password, after as long.
      await this.hasher.verifyDummy(dto.password);
      throw await this.loginFailed('no_password', client, found.user._id);
    }
    const check = await this.hasher.verify(dto.password, found.passwordHash);
    if (!check.valid) throw await this.loginFailed('wrong_password', client, found.user._id);
    if (check.needsRehash) this.upgradeHash(found.user._id, found.passwordHash, dto.password);
    // Undoes this attempt's own count only: wrong second-factor codes, counted toward the account's
    // ceiling, stay counted, so alternating a right password and wrong codes guesses nothing more.
    await this.attempts.succeeded(counted);
    const { user, passwordVersion } = found;
    return this.signIn.complete({
      user,
      client,
      event: 'login.succeeded',
      method: 'password',
      passwordVersion,
      secondFactor,
    });
  }

  /** Revokes the session the token names, if it is a valid one; anything else is already logged out. */
  async logout(token: string | null, client: ClientInfo): Promise<void> {
    if (!token) return;
    const payload = (await this.authenticator.verify(token)) as Partial<SessionTokenPayload> | null;
    const sid = payload?.sid;
    if (
      typeof sid === 'string' &&
      isValidObjectId(sid) &&
      (await this.sessions.revoke(new Types.ObjectId(sid)))
    ) {
      await this.audit.record('logout', { client, userId: payload?.sub });
    }
  }

  /** The failure limits; a refused attempt is a failed sign-in, and the first one of a limit locks it. */
  private async countAttempt(
    attempt: LoginAttempt,
    client: ClientInfo,
    userId?: Types.ObjectId,
  ): Promise<CountedAttempt> {
    try {
      return await this.attempts.countAttempt(attempt);
    } catch (error) {
      if (error instanceof AccountLockedException) {
        await this.audit.record('login.failed', { client, userId, reason: 'locked' });
        if (error.justLocked) await this.audit.record('login.locked', { client, userId });
      }
      throw error;
    }
  }

  private async loginFailed(
    reason: LoginFailureReason,
    client: ClientInfo,
    userId?: Types.ObjectId,
  ): Promise<UnauthorizedException> {
    await this.audit.record('login.failed', { client, userId, reason });
    return new UnauthorizedException(INVALID_CREDENTIALS);
  }

  /** Re-hashes with the current scheme and cost after a successful login, out of the request's way. */
  private upgradeHash(userId: Types.ObjectId, oldHash: string, password: string): void {
    this.hasher
      .hash(password)
      .then((hash) => this.users.replacePasswordHash(userId, oldHash, hash))
      .catch((error: Error) => this.logger.warn(`Password hash upgrade failed: ${error.message}`));
  }
}
