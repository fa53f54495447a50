import { createSecretKey } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { isValidObjectId } from 'mongoose';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { AppConfig } from '../../config/app-config.js';
import { UsersService } from '../../users/users.service.js';
import { SESSION_COOKIE } from '../auth.constants.js';
import type { AuthContext, SessionTokenPayload } from '../auth-context.js';
import { SessionsService } from '../sessions/sessions.service.js';

export const JWT_STRATEGY = 'jwt-cookie';
export const JWT_ALGORITHM = 'HS256';

/** The session token from the `jwt` cookie, which a browser sends by itself (hence the CSRF guard). */
export function sessionCookieToken(req: Request): string | null {
  const token: unknown = req.cookies?.[SESSION_COOKIE];
  return typeof token === 'string' && token !== '' ? token : null;
}

/** The token from the cookie (browsers) or else from `Authorization: Bearer` (other REST clients). */
export const extractSessionToken = ExtractJwt.fromExtractors([
  sessionCookieToken,
  ExtractJwt.fromAuthHeaderAsBearerToken(),
]);

/** Accepts a well-signed, unexpired token only while its session and its user still exist. */
@Injectable()
export class JwtCookieStrategy extends PassportStrategy(Strategy, JWT_STRATEGY) {
  constructor(
    config: ConfigService<AppConfig, true>,
    private readonly sessions: SessionsService,
    private readonly users: UsersService,
  ) {
    super({
      jwtFromRequest: extractSessionToken,
      // A KeyObject (which jsonwebtoken accepts, though passport-jwt's types do not): given a string,
      // jsonwebtoken first tries, and fails, to parse it as a public key on every verification, which
      // cost a quarter of the CPU of each authenticated request.
      secretOrKey: createSecretKey(
        Buffer.from(config.get('auth.jwtSecret', { infer: true })),
      ) as unknown as Buffer,
      algorithms: [JWT_ALGORITHM],
      ignoreExpiration: false,
    });
  }

  /**
   * jsonwebtoken reads claims off the payload without checking it is an object, so a correctly signed
   * token whose payload is `null` throws a TypeError here, synchronously, which would become a 500.
   */
  authenticate(req: Request, options?: object): void {
    try {
      super.authenticate(req, options);
    } catch {
      this.fail(new Error('Malformed token payload'), 401);
    }
  }

  async validate(payload: unknown): Promise<AuthContext | false> {
    // A correctly signed token can still carry any JSON as its payload: null, a number, an array.
    if (typeof payload !== 'object' || payload === null) return false;
    const { sub, sid } = payload as Partial<SessionTokenPayload>;
    if (typeof sub !== 'string' || typeof sid !== 'string' || !isValidObjectId(sub)) return false;
    const [session, user] = await Promise.all([
      this.sessions.findActive(sid, sub),
      this.users.findByIdCached(sub),
    ]);
    return session && user ? { user, session } : false;
  }
}
