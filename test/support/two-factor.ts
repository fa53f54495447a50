import type { INestApplication } from '@nestjs/common';
import { generate } from 'otplib';
import request from 'supertest';
import type { TestClock } from './app/test-clock.js';

/** A moment 10 s into a 30-second TOTP step, so that "the next step" is unambiguous. */
export const START = '2026-03-02T09:00:10.000Z';
export const STEP_MS = 30_000;

/** The code of `secret` for the step `steps` away from the clock's. */
export function totp(secret: string, clock: TestClock, steps = 0): Promise<string> {
  return generate({ secret, epoch: Math.floor((clock.now().getTime() + steps * STEP_MS) / 1000) });
}

/** Sets up and enables two-factor sign-in for the session in `cookie`; moves the clock one step on. */
export async function enableTwoFactor(
  app: INestApplication,
  clock: TestClock,
  cookie: string,
  password: string,
): Promise<{ secret: string; recoveryCodes: string[] }> {
  const http = () => request(app.getHttpServer());
  const setup = await http().post('/api/auth/2fa/setup').set('Cookie', cookie).send({ password }).expect(200);
  const secret = setup.body.secret as string;
  const enabled = await http()
    .post('/api/auth/2fa/enable')
    .set('Cookie', cookie)
    .send({ code: await totp(secret, clock) })
    .expect(200);
  // The enabling code's step is used up: later codes come from the next one.
  clock.advance(STEP_MS);
  return { secret, recoveryCodes: enabled.body.recoveryCodes as string[] };
}

/** The cookies a response set, by name (value only). */
export function cookiesOf(res: request.Response): Map<string, string> {
  const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  return new Map(
    cookies.map((cookie) => {
      const [pair] = cookie.split(';');
      const at = pair.indexOf('=');
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}

/** The bytes of an RFC 4648 base32 string, to look for a secret in every form it could be stored in. */
export function base32Bytes(value: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const char of value.replace(/=+$/, '')) bits += alphabet.indexOf(char).toString(2).padStart(5, '0');
  return Buffer.from((bits.match(/.{8}/g) ?? []).map((byte) => parseInt(byte, 2)));
}
