import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { SESSION_COOKIE } from '../auth.constants.js';
import type { AuthContext, SessionTokenPayload } from '../auth-context.js';
import { JWT_ALGORITHM, SessionAuthenticator } from '../sessions/session-authenticator.js';

export { JWT_ALGORITHM } from '../sessions/session-authenticator.js';
export const JWT_STRATEGY = 'jwt-cookie';

/** The token from the `jwt` cookie (browsers) or from `Authorization: Bearer` (other REST clients). */
export const extractSessionToken = ExtractJwt.fromExtractors([
  (req: Request) => {
    const token: unknown = req.cookies?.[SESSION_COOKIE];
    return typeof token === 'string' && token !== '' ? token : null;
  },
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
    });
  }

  async validate(payload: Partial<SessionTokenPayload>): Promise<AuthContext | false> {
    return (await this.authenticator.validate(payload)) ?? false;
  }
}
