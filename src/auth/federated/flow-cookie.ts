import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { CookieOptions, Request, Response } from 'express';
import { Clock } from '../../common/clock.js';
import { API_PREFIX } from '../../common/http/api-paths.js';
import type { AppConfig } from '../../config/app-config.js';
import type { FederatedProviderId } from './providers/sign-in-provider.js';

export const FLOW_COOKIE = 'oauth_flow';
/** How long a person has at the provider before the flow is void. */
export const FLOW_LIFETIME_MS = 10 * 60_000;

/** One sign-in (or link) on its way through a provider: all the callback needs to finish it. */
export interface Flow {
  provider: FederatedProviderId;
  state: string;
  codeVerifier: string;
  nonce?: string;
  returnTo?: string;
  /** A link: the signed-in user and session that asked for it (hex ids). */
  link?: { user: string; session: string };
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** The callback route of a provider, the only path its flow cookie is sent to. */
export function callbackPath(provider: FederatedProviderId): string {
  return `/${API_PREFIX}/auth/oauth/${provider}/callback`;
}

/**
 * The flow travels in the browser, so any instance can finish it: an httpOnly cookie sent only to
 * the provider's callback, SameSite=Lax (the provider's redirect back is a cross-site navigation,
 * which Strict would strip), sealed with AES-256-GCM under a key derived from JWT_SECRET, with the
 * provider as associated data. Nothing is stored on the server until the callback.
 */
@Injectable()
export class FlowCookie {
  private readonly key: Buffer;
  private readonly secure: boolean;

  constructor(
    config: ConfigService<AppConfig, true>,
    private readonly clock: Clock,
  ) {
    const auth = config.get('auth', { infer: true });
    this.key = Buffer.from(hkdfSync('sha256', auth.jwtSecret, '', 'chat-auth federated flow cookie', 32));
    this.secure = auth.cookieSecure;
  }

  /** A new flow's cookie, valid for FLOW_LIFETIME_MS from now. */
  set(res: Response, flow: Omit<Flow, 'expiresAt'>): void {
    const sealed = this.seal({ ...flow, expiresAt: this.clock.now().getTime() + FLOW_LIFETIME_MS });
    res.cookie(FLOW_COOKIE, sealed, { ...this.attributes(flow.provider), maxAge: FLOW_LIFETIME_MS });
  }

  clear(res: Response, provider: FederatedProviderId): void {
    res.clearCookie(FLOW_COOKIE, this.attributes(provider));
  }

  /** The request's flow for `provider`; undefined when there is none, or it is forged or expired. */
  read(req: Request, provider: FederatedProviderId): Flow | undefined {
    const value: unknown = req.cookies?.[FLOW_COOKIE];
    if (typeof value !== 'string') return undefined;
    const flow = this.open(value, provider);
    if (!flow || flow.provider !== provider || flow.expiresAt <= this.clock.now().getTime()) return undefined;
    return flow;
  }

  private attributes(provider: FederatedProviderId): CookieOptions {
    return { httpOnly: true, sameSite: 'lax', secure: this.secure, path: callbackPath(provider) };
  }

  private seal(flow: Flow): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(flow.provider));
    const body = Buffer.concat([cipher.update(JSON.stringify(flow), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
  }

  private open(value: string, provider: FederatedProviderId): Flow | undefined {
    const bytes = Buffer.from(value, 'base64url');
    if (bytes.length < 12 + 16 + 2) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(0, 12));
      decipher.setAAD(Buffer.from(provider));
      decipher.setAuthTag(bytes.subarray(bytes.length - 16));
      const json = Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]);
      return JSON.parse(json.toString('utf8')) as Flow;
    } catch {
      return undefined;
    }
  }
}
