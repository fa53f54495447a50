import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { CookieOptions, Request, Response } from 'express';
import type { Types } from 'mongoose';
import { API_PREFIX } from '../../common/http/api-paths.js';
import type { AppConfig } from '../../config/app-config.js';

/** Name of the cookie that marks a browser as one its account signed in from before. */
export const KNOWN_DEVICE_COOKIE = 'known_device';
export const KNOWN_DEVICE_LIFETIME_MS = 365 * 24 * 3600_000;
/** `<user id>.<device id>.<expiry, epoch seconds>.<HMAC-SHA256, base64url>` */
const COOKIE_SHAPE = /^([a-f0-9]{24})\.([A-Za-z0-9_-]{22})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

/**
 * Device cookies, as OWASP's "Slow Down Online Guessing Attacks with Device Cookies" describes them:
 * every successful sign-in leaves a signed cookie naming the account and a random device id, and a
 * login that brings one back is counted under that device's own small budget instead of the limits an
 * attacker can use up (LoginAttemptsService). Signed with a key derived from JWT_SECRET; nothing is
 * stored on the server but the failure count of a device.
 * https://owasp.org/www-community/Slow_Down_Online_Guessing_Attacks_with_Device_Cookies
 */
@Injectable()
export class KnownDevices {
  private readonly key: Buffer;
  private readonly attributes: CookieOptions;

  constructor(config: ConfigService<AppConfig, true>) {
    const auth = config.get('auth', { infer: true });
    this.key = Buffer.from(hkdfSync('sha256', auth.jwtSecret, '', 'chat-auth known-device cookie', 32));
    this.attributes = {
      httpOnly: true,
      // Sent to the sign-in routes only, never to the rest of the API.
      path: `/${API_PREFIX}/auth`,
      sameSite: auth.cookieSameSite,
      secure: auth.cookieSecure,
    };
  }

  /** A cookie value naming a new device of the account, valid for a year. */
  issue(userId: Types.ObjectId): string {
    const expires = Math.floor((Date.now() + KNOWN_DEVICE_LIFETIME_MS) / 1000);
    const payload = `${userId.toHexString()}.${randomBytes(16).toString('base64url')}.${expires}`;
    return `${payload}.${this.sign(payload)}`;
  }

  /** The device id in `value`, if it is an unexpired cookie this server issued for `userId`. */
  deviceOf(value: unknown, userId: Types.ObjectId): string | undefined {
    const match = typeof value === 'string' ? COOKIE_SHAPE.exec(value) : null;
    if (!match) return undefined;
    const [, user, device, expires, signature] = match;
    const expected = Buffer.from(this.sign(`${user}.${device}.${expires}`));
    if (!timingSafeEqual(expected, Buffer.from(signature))) return undefined;
    if (user !== userId.toHexString() || Number(expires) * 1000 <= Date.now()) return undefined;
    return device;
  }

  read(req: Request): unknown {
    return req.cookies?.[KNOWN_DEVICE_COOKIE];
  }

  set(res: Response, value: string): void {
    res.cookie(KNOWN_DEVICE_COOKIE, value, { ...this.attributes, maxAge: KNOWN_DEVICE_LIFETIME_MS });
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}
