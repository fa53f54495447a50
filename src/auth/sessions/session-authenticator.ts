import { createSecretKey, type KeyObject } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JwtService } from '@nestjs/jwt';
import { isValidObjectId } from 'mongoose';
import type { AppConfig } from '../../config/app-config.js';
import { UsersService } from '../../users/users.service.js';
import type { AuthContext } from '../../common/auth-context.js';
import type { SessionTokenPayload } from './session-token.js';
import { SessionsService } from './sessions.service.js';

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

  constructor(
    config: ConfigService<AppConfig, true>,
    private readonly jwt: JwtService,
    private readonly sessions: SessionsService,
    private readonly users: UsersService,
  ) {
    this.verificationKey = createSecretKey(Buffer.from(config.get('auth.jwtSecret', { infer: true })));
  }

  /** The session a raw token stands for, or null (bad signature, expired, revoked, user deleted). */
  async authenticate(token: string): Promise<AuthContext | null> {
    return this.validate(await this.verify(token));
  }

  /** The payload of a token with a valid signature and expiry (any JSON), or null. */
  async verify(token: string): Promise<unknown> {
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

  /** Checks the claims of a token whose signature and expiry were already verified. */
  async validate(payload: unknown): Promise<AuthContext | null> {
    // A correctly signed token can still carry any JSON as its payload: null, a number, an array.
    if (typeof payload !== 'object' || payload === null) return null;
    const { sub, sid } = payload as Partial<SessionTokenPayload>;
    if (typeof sub !== 'string' || typeof sid !== 'string' || !isValidObjectId(sub)) return null;
    const [session, user] = await Promise.all([
      this.sessions.findActive(sid, sub),
      this.users.findByIdCached(sub),
    ]);
    return session && user ? { user, session } : null;
  }
}
