import { Injectable, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AuditTrail } from '../../audit/audit-trail.service.js';
import type { SignInMethod } from '../../audit/security-event.js';
import type { SessionRecord, UserRecord } from '../../common/auth-context.js';
import type { ClientInfo } from '../../common/http/client-info.js';
import { UsersService } from '../../users/users.service.js';
import { INVALID_CREDENTIALS } from '../auth.constants.js';
import { JWT_ALGORITHM } from '../sessions/session-authenticator.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { type IssuedChallenge } from '../two-factor/two-factor-challenges.js';
import { SecondFactorGate, type SecondFactorInput } from '../two-factor/second-factor.gate.js';
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
  /** The first factor: recorded with the event. */
  method: SignInMethod;
  /**
   * For a proof by password: the password version it was checked against. A reset or change that
   * landed during the check listed the sessions before this one existed, so its revocation missed
   * it; checked after the insert, one of the two sees the other.
   */
  passwordVersion?: number;
  /** How a second factor is taken, if the account has one (default: a challenge). */
  secondFactor?: SecondFactorInput;
}

/**
 * A session, or a challenge for the second factor and no session: a caller cannot set a cookie or
 * return a token without looking at which.
 */
export type SignInResult =
  ({ outcome: 'signed-in' } & SignedInSession) | { outcome: 'challenge'; challenge: IssuedChallenge };

/**
 * Where every way of signing in ends (signup, password login, the token route, an answered
 * two-factor challenge, and each new method). The one place that issues a session, and the one that decides whether the
 * proof is enough for one: no controller or method starts one by itself.
 */
@Injectable()
export class SignInPipeline {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly jwt: JwtService,
    private readonly audit: AuditTrail,
    private readonly secondFactor: SecondFactorGate,
    private readonly devices: KnownDevices,
  ) {}

  async complete(proof: SignInProof): Promise<SignInResult> {
    const { user, client, event, method, passwordVersion } = proof;
    const input = proof.secondFactor ?? { kind: 'challenge' };
    const decision = await this.secondFactor.decide(user, input, { passwordVersion, method }, client);
    if (decision.outcome === 'challenge') return decision;
    const session = await this.sessions.create(user._id, client);
    if (
      passwordVersion !== undefined &&
      (await this.users.getPasswordVersion(user._id)) !== passwordVersion
    ) {
      await this.sessions.revoke(session._id);
      await this.audit.record('login.failed', { client, userId: user._id, reason: 'password_changed' });
      throw new UnauthorizedException(INVALID_CREDENTIALS);
    }
    if (await this.secondFactor.enabledSince(user._id, decision)) {
      await this.sessions.revoke(session._id);
      return this.complete(proof);
    }
    await this.audit.record(event, { client, userId: user._id, method, secondFactor: decision.method });
    return {
      outcome: 'signed-in',
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
