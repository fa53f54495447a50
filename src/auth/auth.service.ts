import { Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { isValidObjectId, Types } from 'mongoose';
import { AuditTrail } from '../audit/audit-trail.service.js';
import type { LoginFailureReason } from '../audit/security-event.js';
import type { UserRecord } from '../users/user.mapper.js';
import { UsersService } from '../users/users.service.js';
import type { SessionTokenPayload } from './auth-context.js';
import type { LoginDto } from './dto/login.dto.js';
import type { SignupDto } from './dto/signup.dto.js';
import { EmailVerificationService } from './email/email-verification.service.js';
import { PasswordHasher } from './password/password-hasher.js';
import { PasswordPolicy } from './password/password-policy.js';
import { JWT_ALGORITHM, SessionAuthenticator } from './sessions/session-authenticator.js';
import { type ClientInfo, type SessionRecord, SessionsService } from './sessions/sessions.service.js';
import { AccountLockedException, LoginAttemptsService } from './throttling/login-attempts.service.js';

export const INVALID_CREDENTIALS = 'Invalid email or password';

export interface SignedInSession {
  user: UserRecord;
  token: string;
  expiresAt: Date;
}

@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);

  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly hasher: PasswordHasher,
    private readonly policy: PasswordPolicy,
    private readonly attempts: LoginAttemptsService,
    private readonly jwt: JwtService,
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
    const signedIn = await this.startSession(user, client);
    await this.audit.record('signup', { userId: user._id });
    return signedIn;
  }

  async login(dto: LoginDto, client: ClientInfo): Promise<SignedInSession> {
    await this.countAttempt(dto.email);
    const found = await this.users.findByEmailWithPassword(dto.email);
    if (!found) {
      await this.hasher.verifyDummy(dto.password);
      throw await this.loginFailed('unknown_email');
    }
    const check = await this.hasher.verify(dto.password, found.passwordHash);
    if (!check.valid) throw await this.loginFailed('wrong_password', found.user._id);
    if (check.needsRehash) this.upgradeHash(found.user._id, found.passwordHash, dto.password);
    await this.attempts.reset(dto.email);
    const session = await this.sessions.create(found.user._id, client);
    // A reset or change that landed during the bcrypt check listed the sessions before this one
    // existed: its revocation would miss it. Checked after the insert, so one of the two sees the other.
    if ((await this.users.getPasswordVersion(found.user._id)) !== found.passwordVersion) {
      await this.sessions.revoke(session._id);
      throw await this.loginFailed('password_changed', found.user._id);
    }
    await this.audit.record('login.succeeded', { userId: found.user._id });
    return this.signedIn(found.user, session);
  }

  /** Revokes the session the token names, if it is a valid one; anything else is already logged out. */
  async logout(token: string | null): Promise<void> {
    if (!token) return;
    const payload = (await this.authenticator.verify(token)) as Partial<SessionTokenPayload> | null;
    const sid = payload?.sid;
    if (typeof sid === 'string' && isValidObjectId(sid) && (await this.sessions.revoke(new Types.ObjectId(sid)))) {
      await this.audit.record('logout', { userId: payload?.sub });
    }
  }

  /** The per-account limit; a refused attempt is a failed sign-in, and the first one locks the account. */
  private async countAttempt(email: string): Promise<void> {
    try {
      await this.attempts.countAttempt(email);
    } catch (error) {
      if (error instanceof AccountLockedException) {
        const userId = (await this.users.findByEmail(email))?._id;
        await this.audit.record('login.failed', { userId, reason: 'locked' });
        if (error.justLocked) await this.audit.record('login.locked', { userId });
      }
      throw error;
    }
  }

  private async loginFailed(reason: LoginFailureReason, userId?: Types.ObjectId): Promise<UnauthorizedException> {
    await this.audit.record('login.failed', { userId, reason });
    return new UnauthorizedException(INVALID_CREDENTIALS);
  }

  private async startSession(user: UserRecord, client: ClientInfo): Promise<SignedInSession> {
    return this.signedIn(user, await this.sessions.create(user._id, client));
  }

  private async signedIn(user: UserRecord, session: SessionRecord): Promise<SignedInSession> {
    return { user, token: await this.sign(session), expiresAt: session.expiresAt };
  }

  private sign(session: SessionRecord): Promise<string> {
    const claims = {
      sub: session.user.toHexString(),
      sid: session._id.toHexString(),
      exp: Math.floor(session.expiresAt.getTime() / 1000),
    };
    return this.jwt.signAsync(claims, { algorithm: JWT_ALGORITHM });
  }

  /** Re-hashes with the current scheme and cost after a successful login, out of the request's way. */
  private upgradeHash(userId: Types.ObjectId, oldHash: string, password: string): void {
    this.hasher
      .hash(password)
      .then((hash) => this.users.replacePasswordHash(userId, oldHash, hash))
      .catch((error: Error) => this.logger.warn(`Password hash upgrade failed: ${error.message}`));
  }
}
