import { createSecretKey, type KeyObject } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JwtService } from '@nestjs/jwt';
import { isValidObjectId } from 'mongoose';
import type { AppConfig } from '../../config/app-config.js';
import { CacheInvalidationBus } from '../../redis/cache-invalidation.bus.js';
import { UsersService } from '../../users/users.service.js';
import type { AuthContext } from '../../common/auth-context.js';
import type { SessionTokenPayload } from './session-token.js';
import { SessionsService } from './sessions.service.js';
import { VerifiedTokens } from './verified-tokens.js';

export const JWT_ALGORITHM = 'HS256';

/**
 * The one session check, shared by the REST strategy and the socket handshake: a well-signed,
 * unexpired token is accepted only while its session and its user still exist.
 */
@Injectable()
export class SessionAuthenticator {
  /**
   * A KeyObject: given a string, jsonwebtoken first tries, and fails, to parse it as a public key on
   * every verification, which cost a quarter of the CPU of each authenticated request.
   */
  readonly verificationKey: KeyObject;
  /** Tokens of live sessions already verified; their session and user are still checked every time. */
  private readonly verified = new VerifiedTokens();

  constructor(
    config: ConfigService<AppConfig, true>,
    private readonly jwt: JwtService,
    private readonly sessions: SessionsService,
    private readonly users: UsersService,
    invalidation: CacheInvalidationBus,
  ) {
    this.verificationKey = createSecretKey(Buffer.from(config.get('auth.jwtSecret', { infer: true })));
    invalidation.onApplied((cache, applied) => this.verified.forget(cache, applied));
  }

  /** The session a raw token stands for, or null (bad signature, expired, revoked, user deleted). */
  async authenticate(token: string): Promise<AuthContext | null> {
    const payload = await this.verify(token);
    const auth = await this.validate(payload);
    this.remember(token, auth ? payload : null);
    return auth;
  }

  /** The payload of a token of a live session verified before and not expired since, if any. */
  verifiedPayload(token: string): object | undefined {
    return this.verified.get(token);
  }

  /** After a token was validated: `payload` when its session is live, null to forget it. */
  remember(token: string, payload: unknown): void {
    if (payload === null) this.verified.delete(token);
    else this.verified.set(token, payload);
  }

  /** The payload of a token with a valid signature and expiry (any JSON), or null. */
  async verify(token: string): Promise<unknown> {
    const known = this.verified.get(token);
    if (known !== undefined) return known;
    try {
      // jsonwebtoken throws a TypeError on a signed non-object payload: a refusal like any other.
      return await this.jwt.verifyAsync<object>(token, {
        secret: this.verificationKey as unknown as string,
        algorithms: [JWT_ALGORITHM],
      });
    } catch {
      return null;
    }
  }

  /**
   * Checks the claims of a token whose signature and expiry were already verified. Answered without
   * a promise when the session and the user are in memory (most requests).
   */
  validate(payload: unknown): AuthContext | null | Promise<AuthContext | null> {
    // A correctly signed token can still carry any JSON as its payload: null, a number, an array.
    if (typeof payload !== 'object' || payload === null) return null;
    const { sub, sid } = payload as Partial<SessionTokenPayload>;
    if (typeof sub !== 'string' || typeof sid !== 'string' || !isValidObjectId(sub)) return null;
    const session = this.sessions.findActiveInMemory(sid, sub);
    if (session === null) return null;
    const user = this.users.findInMemory(sub);
    if (session !== undefined && user !== undefined) return { user, session };
    return Promise.all([
      session ?? this.sessions.findActive(sid, sub),
      user ?? this.users.findByIdCached(sub),
    ]).then(([liveSession, liveUser]) =>
      liveSession && liveUser ? { user: liveUser, session: liveSession } : null,
    );
  }
}
