import { CanActivate, ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request } from 'express';
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
    // The API's public origin (its own pages, such as the reset page, behind a TLS-terminating proxy).
    this.allowed.add(new URL(config.get('mail.apiUrl', { infer: true })).origin);
  }

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    if (SAFE_METHODS.has(req.method) || !req.cookies?.[SESSION_COOKIE]) return true;
    if (this.isTrusted(req)) return true;
    throw new ForbiddenException('Cross-site request refused');
  }

  private isTrusted(req: Request): boolean {
    const origin = req.get('origin') ?? originOf(req.get('referer'));
    if (origin !== undefined) {
      return this.allowed.has(origin) || origin === `${req.protocol}://${req.get('host')}`;
    }
    const fetchSite = req.get('sec-fetch-site');
    return fetchSite === undefined || fetchSite === 'same-origin' || fetchSite === 'none';
  }
}

function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return 'null';
  }
}
