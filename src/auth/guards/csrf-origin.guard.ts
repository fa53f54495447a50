import { CanActivate, ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request } from 'express';
import type { AppConfig } from '../../config/app-config.js';
import { sessionCookieToken } from '../strategies/jwt-cookie.strategy.js';
import { isCrossOriginRequestAllowed } from './cross-origin-protection.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Global CSRF defence: a write authenticated by the session cookie must come from a page the browser
 * says is ours, or from an origin in CORS_ORIGINS. Bearer-authenticated requests are exempt: a
 * browser never adds that header by itself.
 */
@Injectable()
export class CsrfOriginGuard implements CanActivate {
  private readonly trustedOrigins: ReadonlySet<string>;

  constructor(config: ConfigService<AppConfig, true>) {
    this.trustedOrigins = new Set(config.get('app.corsOrigins', { infer: true }));
  }

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    if (SAFE_METHODS.has(req.method) || sessionCookieToken(req) === null) return true;
    const allowed = isCrossOriginRequestAllowed(req.headers, {
      trustedOrigins: this.trustedOrigins,
      trustForwardedHeaders: isFromTrustedProxy(req),
    });
    if (!allowed) throw new ForbiddenException('Cross-site request refused');
    return true;
  }
}

/** Express's own TRUST_PROXY decision for this connection, as it makes for req.protocol and req.host. */
function isFromTrustedProxy(req: Request): boolean {
  const trust = req.app.get('trust proxy fn') as (address: string | undefined, hop: number) => boolean;
  return trust(req.socket.remoteAddress, 0);
}
