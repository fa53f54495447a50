import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { SESSION_COOKIE } from '../auth.constants.js';
import type { AuthContext } from '../../common/auth-context.js';
import { JWT_ALGORITHM, SessionAuthenticator } from '../sessions/session-authenticator.js';

export const JWT_STRATEGY = 'jwt-cookie';

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

/** Passport's side of SessionAuthenticator, for the REST session guard. */
@Injectable()
export class JwtCookieStrategy extends PassportStrategy(Strategy, JWT_STRATEGY) {
  constructor(private readonly authenticator: SessionAuthenticator) {
    super({
      jwtFromRequest: extractSessionToken,
      // jsonwebtoken accepts a KeyObject, though passport-jwt's types do not.
      secretOrKey: authenticator.verificationKey as unknown as Buffer,
      algorithms: [JWT_ALGORITHM],
      ignoreExpiration: false,
      passReqToCallback: true,
    });
  }

  /**
   * A token verified before (same string, not expired) skips passport-jwt's verification; its session
   * and user are checked as always, and the outcome reaches Passport the way passport-jwt hands it on.
   *
   * jsonwebtoken reads claims off the payload without checking it is an object, so a correctly signed
   * token whose payload is `null` throws a TypeError here, synchronously, which would become a 500.
   */
  authenticate(req: Request, options?: object): void {
    const token = extractSessionToken(req);
    const payload = token === null ? undefined : this.authenticator.verifiedPayload(token);
    if (payload !== undefined) return this.validateVerified(token!, payload);
    try {
      super.authenticate(req, options);
    } catch {
      this.fail(new Error('Malformed token payload'), 401);
    }
  }

  /** After passport-jwt verified the token: a live session's token is remembered as verified. */
  async validate(req: Request, payload: unknown): Promise<AuthContext | false> {
    const auth = await this.authenticator.validate(payload);
    const token = extractSessionToken(req);
    if (token !== null) this.authenticator.remember(token, auth ? payload : null);
    return auth ?? false;
  }

  private validateVerified(token: string, payload: object): void {
    const auth = this.authenticator.validate(payload);
    if (!(auth instanceof Promise)) return this.settle(token, auth);
    auth.then(
      (loaded) => this.settle(token, loaded),
      (error: unknown) => this.error(error as Error),
    );
  }

  private settle(token: string, auth: AuthContext | null): void {
    if (auth) return this.success(auth);
    this.authenticator.remember(token, null);
    this.fail(401);
  }
}
