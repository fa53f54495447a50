import { Injectable, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AuditTrail } from '../../audit/audit-trail.service.js';
import type { SessionRecord, UserRecord } from '../../common/auth-context.js';
import type { ClientInfo } from '../../common/http/client-info.js';
import { UsersService } from '../../users/users.service.js';
import { INVALID_CREDENTIALS } from '../auth.constants.js';
import { JWT_ALGORITHM } from '../sessions/session-authenticator.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { KnownDevices } from '../throttling/known-devices.js';

export interface SignedInSession {
  user: UserRecord;
  token: string;
  expiresAt: Date;
  /** A known-device cookie for this browser (KnownDevices): its later logins are counted apart. */
  knownDevice: string;
}

/** A person who proved who they are, by whatever method. */
export interface SignInProof {
  user: UserRecord;
  client: ClientInfo;
  /** The event recorded once the session exists. */
  event: 'signup' | 'login.succeeded';
  /**
   * For a proof by password: the password version it was checked against. A reset or change that
   * landed during the check listed the sessions before this one existed, so its revocation missed
   * it; checked after the insert, one of the two sees the other.
   */
  passwordVersion?: number;
}

/**
 * Where every way of signing in ends (signup, password login, the token route). The one place that
 * issues a session: no controller or method starts one by itself.
 */
@Injectable()
export class SignInPipeline {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly jwt: JwtService,
    private readonly audit: AuditTrail,
    private readonly devices: KnownDevices,
  ) {}

  async complete({ user, client, event, passwordVersion }: SignInProof): Promise<SignedInSession> {
    const session = await this.sessions.create(user._id, client);
    if (
      passwordVersion !== undefined &&
      (await this.users.getPasswordVersion(user._id)) !== passwordVersion
    ) {
      await this.sessions.revoke(session._id);
      await this.audit.record('login.failed', { userId: user._id, reason: 'password_changed' });
      throw new UnauthorizedException(INVALID_CREDENTIALS);
    }
    await this.audit.record(event, { userId: user._id });
    return {
      user,
      token: await this.sign(session),
      expiresAt: session.expiresAt,
      knownDevice: this.devices.issue(user._id),
    };
  }

  private sign(session: SessionRecord): Promise<string> {
    const claims = {
      sub: session.user.toHexString(),
      sid: session._id.toHexString(),
      exp: Math.floor(session.expiresAt.getTime() / 1000),
    };
    return this.jwt.signAsync(claims, { algorithm: JWT_ALGORITHM });
  }
}
