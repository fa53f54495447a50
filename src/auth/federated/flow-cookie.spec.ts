import type { ConfigService } from '@nestjs/config';
import type { Request, Response } from 'express';
import type { AppConfig } from '../../config/app-config.js';
import { Clock } from '../../common/clock.js';
import { FLOW_COOKIE, FLOW_LIFETIME_MS, type Flow, FlowCookie } from './flow-cookie.js';

class StillClock extends Clock {
  time = Date.parse('2026-03-02T09:00:00Z');
  now(): Date {
    return new Date(this.time);
  }
}

const config = (jwtSecret: string) =>
  ({ get: () => ({ jwtSecret, cookieSecure: true }) }) as unknown as ConfigService<AppConfig, true>;

/** What FlowCookie.set wrote, as the browser would send it back. */
function roundTrip(cookies: FlowCookie, flow: Omit<Flow, 'expiresAt'>) {
  let value = '';
  let options: Record<string, unknown> = {};
  const res = {
    cookie: (name: string, v: string, o: Record<string, unknown>) => {
      expect(name).toBe(FLOW_COOKIE);
      value = v;
      options = o;
    },
  } as unknown as Response;
  cookies.set(res, flow);
  return {
    value,
    options,
    request: (v = value) => ({ cookies: { [FLOW_COOKIE]: v } }) as unknown as Request,
  };
}

describe('FlowCookie', () => {
  const flow = {
    provider: 'google' as const,
    state: 'state-0123456789',
    codeVerifier: 'verifier-0123456789',
    nonce: 'nonce-0123456789',
    returnTo: '/chat',
  };

  it('seals the flow (nothing readable), path-scoped to its callback, and opens it again', () => {
    const clock = new StillClock();
    const cookies = new FlowCookie(config('k'.repeat(40)), clock);
    const { value, options, request } = roundTrip(cookies, flow);
    for (const secret of [flow.state, flow.codeVerifier, flow.nonce, flow.returnTo]) {
      expect(Buffer.from(value, 'base64url').toString('latin1')).not.toContain(secret);
    }
    expect(options).toEqual({
      httpOnly: true,
      sameSite: 'lax',
      secure: true,
      path: '/api/auth/oauth/google/callback',
      maxAge: FLOW_LIFETIME_MS,
    });
    expect(cookies.read(request(), 'google')).toEqual({ ...flow, expiresAt: clock.time + FLOW_LIFETIME_MS });
  });

  it('refuses a changed byte, another provider, another secret, and an expired flow', () => {
    const clock = new StillClock();
    const cookies = new FlowCookie(config('k'.repeat(40)), clock);
    const { value, request } = roundTrip(cookies, flow);
    const bytes = Buffer.from(value, 'base64url');
    for (const at of [0, 12, bytes.length - 1]) {
      const changed = Buffer.from(bytes);
      changed[at] ^= 1;
      expect(cookies.read(request(changed.toString('base64url')), 'google')).toBeUndefined();
    }
    expect(cookies.read(request(), 'github')).toBeUndefined();
    expect(new FlowCookie(config('o'.repeat(40)), clock).read(request(), 'google')).toBeUndefined();
    expect(cookies.read(request('not-a-cookie'), 'google')).toBeUndefined();
    clock.time += FLOW_LIFETIME_MS;
    expect(cookies.read(request(), 'google')).toBeUndefined();
  });
});
