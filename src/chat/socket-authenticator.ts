import { Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ConfigService } from '@nestjs/config';
import cookieParser from 'cookie-parser';
import type { Request, Response } from 'express';
import proxyAddr from 'proxy-addr';
import type { IncomingMessage } from 'node:http';
import type { Server, Socket } from 'socket.io';
import { SESSION_COOKIE } from '../auth/auth.constants.js';
import type { AuthContext } from '../common/auth-context.js';
import { clientIp } from '../common/http/client-info.js';
import { EMAIL_NOT_VERIFIED } from '../auth/guards/email-verified.guard.js';
import { isCrossOriginRequestAllowed } from '../auth/guards/cross-origin-protection.js';
import { SessionAuthenticator } from '../auth/sessions/session-authenticator.js';
import { extractSessionToken } from '../auth/strategies/jwt-cookie.strategy.js';
import type { AppConfig } from '../config/app-config.js';
import { WebSocketUpgrades } from './websocket-upgrades.js';

const HANDSHAKE_ERRORS = {
  missing:
    'Not authenticated: connect with the session cookie, auth.token or an Authorization: Bearer header',
  invalid: 'Your session is invalid or has expired, please log in again',
  crossSite: 'Cross-site connection refused: this origin may not use the session cookie',
  unavailable: 'The service is temporarily unavailable, please retry shortly',
} as const;

/** What a refused handshake tells the client (its `connect_error`). */
class HandshakeRefusedError extends Error {
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
 *
 * A handshake over long-polling with no credentials at all waits, without joining anything, for its
 * connection to switch to WebSocket (UPGRADE_WAIT_MS at most), and is judged on the credentials and
 * Origin of that upgrade request: that is how a page on another origin of the same site connects, as
 * its polling requests carry no cookie but its WebSocket upgrade does.
 */
@Injectable()
export class SocketAuthenticator {
  private readonly logger = new Logger(SocketAuthenticator.name);
  private readonly trustedOrigins: ReadonlySet<string>;
  private readonly requireEmailVerification: boolean;
  private readonly parseCookies = cookieParser();
  private readonly upgrades = new WebSocketUpgrades();

  constructor(
    private readonly sessions: SessionAuthenticator,
    private readonly adapterHost: HttpAdapterHost,
    config: ConfigService<AppConfig, true>,
  ) {
    this.trustedOrigins = new Set(config.get('app.corsOrigins', { infer: true }));
    this.requireEmailVerification = config.get('mail.requireEmailVerification', { infer: true });
  }

  /** Call once with the Socket.IO server, before any handshake. */
  watchUpgrades(server: Server): void {
    this.upgrades.watch(server);
  }

  async authenticate(socket: Socket): Promise<AuthContext> {
    let request = socket.request;
    let { token, fromCookie } = this.tokenOf(request, socket.handshake.auth);
    if (!token) {
      const upgrade = await this.upgrades.wait(socket.conn);
      if (upgrade) {
        request = upgrade;
        ({ token, fromCookie } = this.tokenOf(request));
      }
    }
    if (!token) throw new HandshakeRefusedError(HANDSHAKE_ERRORS.missing, 401);
    const policy = {
      trustedOrigins: this.trustedOrigins,
      trustForwardedHeaders: this.isFromTrustedProxy(request),
    };
    if (fromCookie && !isCrossOriginRequestAllowed(request.headers, policy)) {
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
    // As on the REST chat routes: with REQUIRE_EMAIL_VERIFICATION, chat waits for a verified address.
    if (this.requireEmailVerification && !auth.user.emailVerified) {
      throw new HandshakeRefusedError(EMAIL_NOT_VERIFIED, 403);
    }
    return auth;
  }

  private tokenOf(
    incoming: IncomingMessage,
    auth?: Record<string, unknown>,
  ): { token: string | null; fromCookie: boolean } {
    const explicit = auth?.token;
    if (typeof explicit === 'string' && explicit !== '') return { token: explicit, fromCookie: false };
    const request = incoming as Request;
    this.parseCookies(request, {} as Response, () => undefined);
    const token = extractSessionToken(request);
    return { token, fromCookie: token !== null && request.cookies?.[SESSION_COOKIE] === token };
  }

  /** The client's address as Express would give it (`req.ip`, honouring TRUST_PROXY), for the log. */
  clientIp(socket: Socket): string {
    return clientIp(socket.request, proxyAddr(socket.request, this.trustProxy()));
  }

  /** Express's own TRUST_PROXY decision for this connection, as the CSRF guard takes it. */
  private isFromTrustedProxy(request: IncomingMessage): boolean {
    return this.trustProxy()(request.socket.remoteAddress ?? '', 0);
  }

  private trustProxy(): (address: string, hop: number) => boolean {
    const express = this.adapterHost.httpAdapter.getInstance<{ get(name: string): unknown }>();
    return express.get('trust proxy fn') as (address: string, hop: number) => boolean;
  }
}
