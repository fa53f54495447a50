import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { CookieOptions, Request, Response } from 'express';
import { Clock } from '../../common/clock.js';
import { API_PREFIX } from '../../common/http/api-paths.js';
import type { AppConfig } from '../../config/app-config.js';
import type { IssuedChallenge } from './two-factor-challenges.js';

export const CHALLENGE_COOKIE = '2fa_challenge';

/**
 * The challenge of a sign-in waiting for its second factor, as an httpOnly cookie that the browser
 * sends only to the two-factor routes: a page's script need not keep it.
 */
@Injectable()
export class ChallengeCookie {
  private readonly attributes: CookieOptions;

  constructor(
    config: ConfigService<AppConfig, true>,
    private readonly clock: Clock,
  ) {
    const auth = config.get('auth', { infer: true });
    this.attributes = {
      httpOnly: true,
      path: `/${API_PREFIX}/auth/2fa`,
      sameSite: auth.cookieSameSite,
      secure: auth.cookieSecure,
    };
  }

  set(res: Response, challenge: IssuedChallenge): void {
    res.cookie(CHALLENGE_COOKIE, challenge.token, {
      ...this.attributes,
      maxAge: Math.max(0, challenge.expiresAt.getTime() - this.clock.now().getTime()),
    });
  }

  clear(res: Response): void {
    res.clearCookie(CHALLENGE_COOKIE, this.attributes);
  }

  read(req: Request): string | undefined {
    const value: unknown = req.cookies?.[CHALLENGE_COOKIE];
    return typeof value === 'string' && value !== '' ? value : undefined;
  }
}
