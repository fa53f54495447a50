import type { INestApplication } from '@nestjs/common';
import { createHmac, randomUUID } from 'node:crypto';
import request from 'supertest';
import { TEST_ENV } from './app/test-app.js';

export const GOOD_PASSWORD = 'violet-kettle-harbour-42';
/** Another password the policy takes: what a change or a reset sets. */
export const NEW_PASSWORD = 'amber-lantern-orchard-77';
/** A password that is not the account's. */
export const WRONG_PASSWORD = 'definitely-not-the-password';

/** The fields of a user as the API shows one (src/users' toUserResponse), sorted. */
export const USER_KEYS = [
  '_id',
  'createdAt',
  'email',
  'emailVerified',
  'fullName',
  'profilePic',
  'twoFactorEnabled',
  'updatedAt',
];

/** A password hash of the current scheme (peppered bcrypt) at the tests' cost. */
export const CURRENT_HASH = new RegExp(
  `^\\$hmac-sha384-bcrypt\\$\\$2b\\$${TEST_ENV.BCRYPT_COST.padStart(2, '0')}\\$`,
);

export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}@example.com`;
}

/** The `jwt=...` pair from a response's Set-Cookie, ready for a Cookie header. */
export function sessionCookie(res: request.Response): string {
  const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const jwt = cookies.find((cookie) => cookie.startsWith('jwt='));
  if (!jwt) throw new Error('response set no jwt cookie');
  return jwt.split(';')[0];
}

export function tokenOf(cookie: string): string {
  return cookie.slice('jwt='.length);
}

export async function signUp(
  app: INestApplication,
  fields: Partial<{ fullName: string; email: string; password: string }> = {},
) {
  const body = {
    fullName: 'Test User',
    email: uniqueEmail(),
    password: GOOD_PASSWORD,
    ...fields,
  };
  const res = await request(app.getHttpServer()).post('/api/auth/signup').send(body).expect(201);
  const cookie = sessionCookie(res);
  return { res, user: res.body, cookie, token: tokenOf(cookie), email: body.email, password: body.password };
}

const b64url = (value: unknown) =>
  (Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value))).toString('base64url');

/** Builds a JWT by hand, so tests can forge what an attacker could send (any JSON as payload). */
export function forgeToken(
  payload: unknown,
  options: { secret?: string; alg?: 'HS256' | 'none' } = {},
): string {
  const alg = options.alg ?? 'HS256';
  const head = `${b64url({ alg, typ: 'JWT' })}.${b64url(payload)}`;
  if (alg === 'none') return `${head}.`;
  const signature = createHmac('sha256', options.secret ?? '')
    .update(head)
    .digest();
  return `${head}.${b64url(signature)}`;
}

export function decodePayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
}
