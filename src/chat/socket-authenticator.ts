import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import cookieParser from 'cookie-parser';
import type { Request, Response } from 'express';
import type { TLSSocket } from 'node:tls';
import type { Socket } from 'socket.io';
import { SESSION_COOKIE } from '../auth/auth.constants.js';
import type { AuthContext } from '../auth/auth-context.js';
import { isTrustedOrigin } from '../auth/guards/csrf-origin.guard.js';
import { SessionAuthenticator } from '../auth/sessions/session-authenticator.js';
import { extractSessionToken } from '../auth/strategies/jwt-cookie.strategy.js';
import type { AppConfig } from '../config/app-config.js';

export const HANDSHAKE_ERRORS = {
  missing:
    'Not authenticated: connect with the session cookie, auth.token or an Authorization: Bearer header',
  invalid: 'Your session is invalid or has expired, please log in again',
  crossSite: 'Cross-site connection refused: this origin may not use the session cookie',
  unavailable: 'The service is temporarily unavailable, please retry shortly',
} as const;

/** What a refused handshake tells the client (its `connect_error`). */
export class HandshakeRefusedError extends Error {
  readonly data: { status: number };

  constructor(message: string, status: number) {
    super(message);
    this.data = { status };
  }
}

/**
 * Authenticates a Socket.IO handshake with the REST session check: `auth.token` (non-browser
 * clients), else the `jwt` cookie, else `Authorization: Bearer`. A cookie handshake must also pass the
 * CSRF origin check of cookie-authenticated writes, since a browser sends the cookie from any site.
 * Anything the client says about who it is (a `userId` query) is ignored.
 */
@Injectable()
export class SocketAuthenticator {
  private readonly logger = new Logger(SocketAuthenticator.name);
  private readonly allowedOrigins: ReadonlySet<string>;
  private readonly trustProxy: boolean;
  private readonly parseCookies = cookieParser();

  constructor(
    private readonly sessions: SessionAuthenticator,
    config: ConfigService<AppConfig, true>,
  ) {
    const app = config.get('app', { infer: true });
    this.allowedOrigins = new Set(app.corsOrigins);
    this.trustProxy = app.trustProxy !== false;
  }

  async authenticate(socket: Socket): Promise<AuthContext> {
    const { token, fromCookie } = this.tokenOf(socket);
    if (!token) throw new HandshakeRefusedError(HANDSHAKE_ERRORS.missing, 401);
    const request = socket.request;
    if (fromCookie && !isTrustedOrigin(request.headers, this.allowedOrigins, this.protocolOf(socket))) {
      throw new HandshakeRefusedError(HANDSHAKE_ERRORS.crossSite, 403);
    }
    let auth: AuthContext | null;
    try {
      auth = await this.sessions.authenticate(token);
    } catch (error) {
      this.logger.warn(`Socket handshake could not be checked: ${(error as Error).message}`);
      throw new HandshakeRefusedError(HANDSHAKE_ERRORS.unavailable, 503);
    }
    if (!auth) throw new HandshakeRefusedError(HANDSHAKE_ERRORS.invalid, 401);
    return auth;
  }

  private tokenOf(socket: Socket): { token: string | null; fromCookie: boolean } {
    const explicit: unknown = (socket.handshake.auth as Record<string, unknown> | undefined)?.token;
    if (typeof explicit === 'string' && explicit !== '') return { token: explicit, fromCookie: false };
    const request = socket.request as Request;
    this.parseCookies(request, {} as Response, () => undefined);
    const token = extractSessionToken(request);
    return { token, fromCookie: token !== null && request.cookies?.[SESSION_COOKIE] === token };
  }

  /** The scheme the browser used, as Express's req.protocol would say under TRUST_PROXY. */
  private protocolOf(socket: Socket): string {
    const forwarded = socket.request.headers['x-forwarded-proto'];
    if (this.trustProxy && typeof forwarded === 'string') return forwarded.split(',')[0].trim();
    return (socket.request.socket as TLSSocket).encrypted ? 'https' : 'http';
  }
}
