import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { GOOD_PASSWORD, NEW_PASSWORD, sessionCookie, signUp } from '../support/auth.js';
import { OutboxMailbox, tokenOf } from '../support/mail/mailbox.js';
import { listenOnFreePort, openSocket, refused } from '../support/sockets.js';
import { createTestApp } from '../support/app/test-app.js';
import { TestClock } from '../support/app/test-clock.js';
import { cookiesOf, enableTwoFactor, START, STEP_MS, totp } from '../support/two-factor.js';

const INVALID_CODE = 'Invalid code';
const INVALID_CHALLENGE = 'This sign-in has expired or was already used: sign in again';

/** A code that is certainly not `code`. */
const otherThan = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

async function outboxApp(clock: TestClock, env: Record<string, string> = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), 'two-factor-sign-in-'));
  const app = await createTestApp({ DATA_DIR: dataDir, ...env }, { overrides: [clock.provider] });
  return { app, outbox: new OutboxMailbox(join(dataDir, 'outbox')) };
}

describe('Two-factor sign-in: login, challenge, verify (e2e, fixed clock)', () => {
  const clock = new TestClock(START);
  let app: NestExpressApplication;
  let outbox: OutboxMailbox;
  let base: string;
  const http = () => request(app.getHttpServer());
  const login = (email: string, password = GOOD_PASSWORD) =>
    http().post('/api/auth/login').send({ email, password });
  const challengeOf = async (email: string) => (await login(email).expect(200)).body.challenge as string;
  const verify = (body: Record<string, string>) => http().post('/api/auth/2fa/verify').send(body);

  /** A new account with two-factor sign-in on; the clock is one step past the enabling code's. */
  const twoFactorUser = async () => {
    const { email, cookie } = await signUp(app);
    return { email, cookie, ...(await enableTwoFactor(app, clock, cookie, GOOD_PASSWORD)) };
  };

  beforeAll(async () => {
    ({ app, outbox } = await outboxApp(clock));
    base = await listenOnFreePort(app);
  });
  afterAll(() => app.close());

  it('answers the right password with a challenge and no session; the challenge opens nothing else', async () => {
    const { email, secret } = await twoFactorUser();
    const res = await login(email).expect(200);
    expect(res.body).toEqual({
      twoFactorRequired: true,
      challenge: expect.stringMatching(/^[\w-]{43}$/),
      methods: ['totp', 'recovery_code'],
    });
    const { challenge } = res.body as { challenge: string };
    const cookies = cookiesOf(res);
    expect(cookies.has('jwt')).toBe(false);
    expect(cookies.get('2fa_challenge')).toBe(challenge);
    const challengeCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? [])[0];
    expect(challengeCookie).toMatch(
      /; Max-Age=300; Path=\/api\/auth\/2fa; Expires=[^;]+; HttpOnly; SameSite=Lax$/,
    );

    for (const headers of [
      { Authorization: `Bearer ${challenge}` },
      { Cookie: `jwt=${challenge}` },
      { Cookie: `2fa_challenge=${challenge}` },
    ]) {
      await http().get('/api/auth/check').set(headers).expect(401);
      await http().get('/api/users/me').set(headers).expect(401);
    }
    for (const options of [
      { auth: { token: challenge } },
      { extraHeaders: { cookie: `2fa_challenge=${challenge}` } },
      { extraHeaders: { cookie: `jwt=${challenge}` } },
    ]) {
      const socket = openSocket(base, options);
      try {
        expect((await refused(socket)).data?.status).toBe(401);
      } finally {
        socket.close();
      }
    }

    const signedIn = await verify({ challenge, code: await totp(secret, clock) }).expect(200);
    expect(signedIn.body).toMatchObject({ email, twoFactorEnabled: true });
    const cookie = sessionCookie(signedIn);
    expect(cookiesOf(signedIn).get('2fa_challenge')).toBe('');
    const checked = await http().get('/api/auth/check').set('Cookie', cookie).expect(200);
    expect(checked.body).toEqual(signedIn.body);
  });

  it('takes the challenge from its cookie when the body has none', async () => {
    const { email, secret } = await twoFactorUser();
    const res = await login(email).expect(200);
    const challengeCookie = `2fa_challenge=${cookiesOf(res).get('2fa_challenge')}`;
    await verify({ code: await totp(secret, clock) }).expect(400);
    const signedIn = await http()
      .post('/api/auth/2fa/verify')
      .set('Cookie', challengeCookie)
      .send({ code: await totp(secret, clock) })
      .expect(200);
    await http().get('/api/auth/check').set('Cookie', sessionCookie(signedIn)).expect(200);
  });

  it('refuses a body with both or neither of code and recoveryCode', async () => {
    const { email, secret, recoveryCodes } = await twoFactorUser();
    const challenge = await challengeOf(email);
    const code = await totp(secret, clock);
    for (const body of [{ challenge }, { challenge, code, recoveryCode: recoveryCodes[0] }] as Array<
      Record<string, string>
    >) {
      const res = await verify(body).expect(400);
      expect(res.body.message).toBe('Send either code or recoveryCode');
    }
    await verify({ challenge, code }).expect(200);
  });

  it('accepts the code of the step before or after the current one, never two steps away', async () => {
    const { email, secret } = await twoFactorUser();
    // Two more steps, so that the step two before the current one is later than the enabling code's.
    clock.advance(2 * STEP_MS);
    let challenge = await challengeOf(email);
    for (const steps of [-2, 2]) {
      const res = await verify({ challenge, code: await totp(secret, clock, steps) }).expect(401);
      expect(res.body.message).toBe(INVALID_CODE);
    }
    await verify({ challenge, code: await totp(secret, clock, -1) }).expect(200);
    challenge = await challengeOf(email);
    await verify({ challenge, code: await totp(secret, clock, 1) }).expect(200);
  });

  it('takes each code once, the enabling code included, and no code of an earlier step', async () => {
    const { email, secret } = await twoFactorUser();
    const challenge = await challengeOf(email);
    // The step before the current one is the enabling code's: within the window, but used.
    const enabling = await totp(secret, clock, -1);
    expect((await verify({ challenge, code: enabling }).expect(401)).body.message).toBe(INVALID_CODE);
    const code = await totp(secret, clock);
    await verify({ challenge, code }).expect(200);

    const replayed = await verify({ challenge: await challengeOf(email), code }).expect(401);
    expect(replayed.body.message).toBe(INVALID_CODE);

    // A code of the next step is taken: the current step, though never used, is now an earlier one.
    const next = await totp(secret, clock, 1);
    await verify({ challenge: await challengeOf(email), code: next }).expect(200);
    const earlier = await verify({ challenge: await challengeOf(email), code: await totp(secret, clock) });
    expect(earlier.status).toBe(401);
    clock.advance(STEP_MS);
    await verify({ challenge: await challengeOf(email), code: next }).expect(401);
    await verify({ challenge: await challengeOf(email), code: await totp(secret, clock, 1) }).expect(200);
  });

  it('gives exactly one session to concurrent verifies with one code, on two challenges or on one', async () => {
    const { email, secret } = await twoFactorUser();
    for (let round = 0; round < 3; round++) {
      clock.advance(STEP_MS);
      const code = await totp(secret, clock);
      const [first, second] = [await challengeOf(email), await challengeOf(email)];
      const onTwo = await Promise.all([
        verify({ challenge: first, code }),
        verify({ challenge: second, code }),
      ]);
      expect(onTwo.map((res) => res.status).sort((a, b) => a - b)).toEqual([200, 401]);
      expect(onTwo.filter((res) => cookiesOf(res).has('jwt'))).toHaveLength(1);

      clock.advance(STEP_MS);
      const again = await totp(secret, clock);
      const challenge = await challengeOf(email);
      const onOne = await Promise.all([1, 2, 3].map(() => verify({ challenge, code: again })));
      expect(onOne.map((res) => res.status).sort((a, b) => a - b)).toEqual([200, 401, 401]);
      expect(onOne.filter((res) => cookiesOf(res).has('jwt'))).toHaveLength(1);
    }
  });

  it('gives one session to a code and a recovery code racing on one challenge', async () => {
    const { email, secret, recoveryCodes } = await twoFactorUser();
    const challenge = await challengeOf(email);
    const answers = await Promise.all([
      verify({ challenge, code: await totp(secret, clock) }),
      verify({ challenge, recoveryCode: recoveryCodes[0] }),
    ]);
    expect(answers.map((res) => res.status).sort((a, b) => a - b)).toEqual([200, 401]);
  });

  it('kills a challenge after 5 wrong codes: the right one is refused then, a new sign-in works', async () => {
    const { email, secret } = await twoFactorUser();
    const challenge = await challengeOf(email);
    const right = await totp(secret, clock);
    for (let i = 0; i < 5; i++) {
      const res = await verify({ challenge, code: otherThan(right) }).expect(401);
      expect(res.body.message).toBe(INVALID_CODE);
    }
    const dead = await verify({ challenge, code: right }).expect(401);
    expect(dead.body.message).toBe(INVALID_CHALLENGE);
    expect(cookiesOf(dead).has('jwt')).toBe(false);
    await verify({ challenge: await challengeOf(email), code: right }).expect(200);
  });

  it('lets a challenge be answered once, within 5 minutes', async () => {
    const { email, secret } = await twoFactorUser();
    const challenge = await challengeOf(email);
    clock.advance(5 * 60_000 - 1000);
    await verify({ challenge, code: await totp(secret, clock) }).expect(200);
    const used = await verify({ challenge, code: await totp(secret, clock, 1) }).expect(401);
    expect(used.body.message).toBe(INVALID_CHALLENGE);

    const late = await challengeOf(email);
    clock.advance(5 * 60_000);
    const expired = await verify({ challenge: late, code: await totp(secret, clock) }).expect(401);
    expect(expired.body.message).toBe(INVALID_CHALLENGE);
    await verify({ challenge: 'not-a-challenge', code: await totp(secret, clock) }).expect(401);
  });

  it('signs in with a recovery code once, whatever its case, hyphens and spaces, and mails the owner', async () => {
    const { email, recoveryCodes } = await twoFactorUser();
    const [first, second] = recoveryCodes;
    const shouted = first.toUpperCase().replaceAll('-', '');
    const signedIn = await verify({ challenge: await challengeOf(email), recoveryCode: shouted }).expect(200);
    expect(signedIn.body.twoFactorEnabled).toBe(true);
    const reused = await verify({ challenge: await challengeOf(email), recoveryCode: first }).expect(401);
    expect(reused.body.message).toBe(INVALID_CODE);
    await verify({
      challenge: await challengeOf(email),
      recoveryCode: ` ${second.replaceAll('-', ' ')} `,
    }).expect(200);
    const status = await http().get('/api/auth/2fa').set('Cookie', sessionCookie(signedIn)).expect(200);
    expect(status.body).toEqual({ enabled: true, recoveryCodesRemaining: 8 });
    const notice = await outbox.waitFor(email, 'A recovery code was used', 2);
    expect(notice.text).toContain('8 of them are left');
    for (const code of recoveryCodes) expect(notice.text).not.toContain(code);
  });

  it('asks the token route for otp: 403 mfa_required without, a token with a code, invalid_grant when wrong', async () => {
    const { email, secret, recoveryCodes } = await twoFactorUser();
    const grant = (fields: Record<string, string>) =>
      http()
        .post('/api/auth/token')
        .type('form')
        .send(
          new URLSearchParams({
            grant_type: 'password',
            username: email,
            password: GOOD_PASSWORD,
            ...fields,
          }).toString(),
        );

    for (const fields of [{}, { otp: '' }] as Array<Record<string, string>>) {
      const missing = await grant(fields).expect(403);
      expect(missing.body).toMatchObject({
        statusCode: 403,
        error: 'mfa_required',
        message: expect.any(String),
      });
      expect(missing.body).not.toHaveProperty('access_token');
    }
    const code = await totp(secret, clock);
    const wrong = await grant({ otp: otherThan(code) }).expect(400);
    expect(wrong.body).toMatchObject({ error: 'invalid_grant', message: INVALID_CODE });
    await grant({ password: 'not-the-password-at-all', otp: code }).expect(400);

    const granted = await grant({ otp: code }).expect(200);
    expect(granted.body).toMatchObject({ token_type: 'Bearer', user: { email, twoFactorEnabled: true } });
    expect(granted.headers['set-cookie']).toBeUndefined();
    await http()
      .get('/api/auth/check')
      .set('Authorization', `Bearer ${granted.body.access_token}`)
      .expect(200);
    expect((await grant({ otp: code }).expect(400)).body.error).toBe('invalid_grant');

    const byRecoveryCode = await http()
      .post('/api/auth/token')
      .send({ email, password: GOOD_PASSWORD, otp: recoveryCodes[3] })
      .expect(200);
    expect(byRecoveryCode.body.access_token).toEqual(expect.any(String));
  });

  it('keeps two-factor on through a password reset, and voids the challenges issued before it', async () => {
    const { email, secret } = await twoFactorUser();
    const before = await challengeOf(email);
    await http().post('/api/auth/forgot-password').send({ email }).expect(202);
    const token = tokenOf((await outbox.waitFor(email, 'Reset your password')).links[0]);
    await http().post('/api/auth/reset-password').send({ token, newPassword: NEW_PASSWORD }).expect(204);

    const stale = await verify({ challenge: before, code: await totp(secret, clock) }).expect(401);
    expect(cookiesOf(stale).has('jwt')).toBe(false);
    await login(email).expect(401);
    const res = await login(email, NEW_PASSWORD).expect(200);
    expect(res.body.twoFactorRequired).toBe(true);
    expect(cookiesOf(res).has('jwt')).toBe(false);
    clock.advance(STEP_MS);
    await verify({ challenge: res.body.challenge, code: await totp(secret, clock) }).expect(200);
  });
});

describe('Two-factor sign-in under the per-account limit (e2e, fixed clock)', () => {
  const clock = new TestClock(START);
  let app: NestExpressApplication;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    // A rate limit above 0 switches the failure limits on; 1000 a minute never throttles the test. The
    // account's ceiling, which wrong codes count toward, at its lowest (the per-address limit).
    ({ app } = await outboxApp(clock, {
      RATE_LIMIT_AUTH_PER_MINUTE: '1000',
      LOGIN_MAX_FAILURES_PER_ACCOUNT: '5',
    }));
  });
  afterAll(() => app.close());

  it('counts wrong codes with wrong passwords, and a right password does not clear them', async () => {
    const { email, cookie } = await signUp(app);
    const { secret } = await enableTwoFactor(app, clock, cookie, GOOD_PASSWORD);
    const login = () => http().post('/api/auth/login').send({ email, password: GOOD_PASSWORD }).expect(200);
    const right = await totp(secret, clock);
    const wrongCode = (challenge: string) =>
      http()
        .post('/api/auth/2fa/verify')
        .send({ challenge, code: otherThan(right) });

    // A right password takes back its own count; 4 + 1 wrong codes reach the ceiling of 5.
    let challenge = (await login()).body.challenge as string;
    for (let i = 0; i < 4; i++) await wrongCode(challenge).expect(401);
    challenge = (await login()).body.challenge as string;
    await wrongCode(challenge).expect(401);

    const locked = await http().post('/api/auth/2fa/verify').send({ challenge, code: right }).expect(429);
    expect(locked.headers['retry-after']).toMatch(/^\d+$/);
    expect(cookiesOf(locked).has('jwt')).toBe(false);
    await http().post('/api/auth/login').send({ email, password: GOOD_PASSWORD }).expect(429);
  });

  it('lets the owner sign in when a wrong code now and then is followed by the right one', async () => {
    const { email, cookie } = await signUp(app);
    const { secret } = await enableTwoFactor(app, clock, cookie, GOOD_PASSWORD);
    for (let round = 0; round < 4; round++) {
      const { challenge } = (await http().post('/api/auth/login').send({ email, password: GOOD_PASSWORD }))
        .body as { challenge: string };
      const code = await totp(secret, clock);
      await http()
        .post('/api/auth/2fa/verify')
        .send({ challenge, code: otherThan(code) })
        .expect(401);
      await http().post('/api/auth/2fa/verify').send({ challenge, code }).expect(200);
      clock.advance(STEP_MS);
    }
  });
});
