import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { CookieOptions, Response } from 'express';
import type { AppConfig } from '../../config/app-config.js';
import { SESSION_COOKIE } from '../auth.constants.js';

/** The Set-Cookie header of a response that starts a session, for the OpenAPI document. */
export const SESSION_COOKIE_HEADER = {
  'Set-Cookie': {
    description: '`jwt=<token>; Max-Age=<lifetime>; Path=/; HttpOnly; SameSite=Lax` (Secure in production)',
    schema: { type: 'string' },
  },
};

/** Sets and clears the session cookie with one set of attributes, so clearing always matches. */
@Injectable()
export class SessionCookie {
  private readonly attributes: CookieOptions;

  constructor(config: ConfigService<AppConfig, true>) {
    const auth = config.get('auth', { infer: true });
    this.attributes = {
      httpOnly: true,
      path: '/',
      sameSite: auth.cookieSameSite,
      secure: auth.cookieSecure,
    };
  }

  set(res: Response, token: string, expiresAt: Date): void {
    res.cookie(SESSION_COOKIE, token, {
      ...this.attributes,
      maxAge: Math.max(0, expiresAt.getTime() - Date.now()),
    });
  }

  clear(res: Response): void {
    res.clearCookie(SESSION_COOKIE, this.attributes);
  }
}
