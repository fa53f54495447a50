import { CanActivate, ExecutionContext, ForbiddenException, Injectable, SetMetadata } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { AppConfig } from '../../config/app-config.js';
import { sessionCookieToken } from '../strategies/jwt-cookie.strategy.js';
import { isCrossOriginRequestAllowed } from './cross-origin-protection.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const ORIGIN_CHECKED = 'originChecked';
export const CROSS_SITE_REFUSED = 'Cross-site request refused';

/**
 * The origin check applies to this write even without a session cookie: a route a cross-site page
 * could drive through its visitors' browsers (a form post needs no CORS preflight).
 */
export const OriginChecked = () => SetMetadata(ORIGIN_CHECKED, true);

/**
 * Global CSRF defence: a write authenticated by the session cookie, or to an @OriginChecked() route,
 * must come from a page the browser says is ours, or from an origin in CORS_ORIGINS.
 * Bearer-authenticated requests are exempt: a browser never adds that header by itself. A request with
 * neither Sec-Fetch-Site nor Origin is not a browser's and passes (REST clients).
 */
@Injectable()
export class CsrfOriginGuard implements CanActivate {
  private readonly trustedOrigins: ReadonlySet<string>;

  constructor(
    config: ConfigService<AppConfig, true>,
    private readonly reflector: Reflector,
  ) {
    this.trustedOrigins = new Set(config.get('app.corsOrigins', { infer: true }));
  }

  canActivate(context: ExecutionContext): boolean {
    // switchToHttp().getRequest() without the closures it makes: this runs on every request.
    const req = context.getArgByIndex<Request>(0);
    if (SAFE_METHODS.has(req.method)) return true;
    const checked = this.reflector.get<boolean | undefined>(ORIGIN_CHECKED, context.getHandler());
    if (!checked && sessionCookieToken(req) === null) return true;
    const allowed = isCrossOriginRequestAllowed(req.headers, {
      trustedOrigins: this.trustedOrigins,
      trustForwardedHeaders: isFromTrustedProxy(req),
    });
    if (!allowed) throw new ForbiddenException(CROSS_SITE_REFUSED);
    return true;
  }
}

/** Express's own TRUST_PROXY decision for this connection, as it makes for req.protocol and req.host. */
function isFromTrustedProxy(req: Request): boolean {
  const trust = req.app.get('trust proxy fn') as (address: string | undefined, hop: number) => boolean;
  return trust(req.socket.remoteAddress, 0);
}
