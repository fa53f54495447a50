import { CanActivate, ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request } from 'express';
import type { IncomingHttpHeaders } from 'node:http';
import type { AppConfig } from '../../config/app-config.js';
import { SESSION_COOKIE } from '../auth.constants.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Global CSRF defence for cookie-authenticated writes: the browser must say the request comes from
 * the API's own origin or one in CORS_ORIGINS (Origin, else Referer, else Sec-Fetch-Site). Requests
 * that carry none of these (curl, server to server) cannot be forged by a browser and pass.
 */
@Injectable()
export class CsrfOriginGuard implements CanActivate {
  private readonly allowed: Set<string>;

  constructor(config: ConfigService<AppConfig, true>) {
    this.allowed = new Set(config.get('app.corsOrigins', { infer: true }));
  }

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    if (SAFE_METHODS.has(req.method) || !req.cookies?.[SESSION_COOKIE]) return true;
    if (this.isTrusted(req)) return true;
    throw new ForbiddenException('Cross-site request refused');
  }

  private isTrusted(req: Request): boolean {
    return isTrustedOrigin(req.headers, this.allowed, req.protocol);
  }
}

/**
 * The guard's origin check on bare headers, for requests that are not Express routes (the
 * cookie-authenticated Socket.IO handshake). `protocol` is the API's own scheme as the client sees it.
 */
export function isTrustedOrigin(
  headers: IncomingHttpHeaders,
  allowed: ReadonlySet<string>,
  protocol: string,
): boolean {
  const origin = headers.origin ?? originOf(headers.referer);
  if (origin !== undefined) {
    return allowed.has(origin) || origin === `${protocol}://${headers.host}`;
  }
  const fetchSite = headers['sec-fetch-site'];
  return fetchSite === undefined || fetchSite === 'same-origin' || fetchSite === 'none';
}

function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return 'null';
  }
}
