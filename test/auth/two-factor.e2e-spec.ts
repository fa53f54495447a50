import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { type Connection, Types } from 'mongoose';
import request from 'supertest';
import { GOOD_PASSWORD, sessionCookie, signUp, WRONG_PASSWORD } from '../support/auth.js';
import { OutboxMailbox } from '../support/mail/mailbox.js';
import { createTestApp, databaseOf } from '../support/app/test-app.js';
import { TestClock } from '../support/app/test-clock.js';
import { base32Bytes, cookiesOf, enableTwoFactor, START, STEP_MS, totp } from '../support/two-factor.js';

const RECOVERY_CODE = /^[a-z2-7]{5}(-[a-z2-7]{5}){3}$/;
const ENABLED_SUBJECT = 'Two-factor sign-in is on';
const DISABLED_SUBJECT = 'Two-factor sign-in is off';
const otherThan = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

describe('Two-factor sign-in: set up, enable, recovery codes, disable (e2e, fixed clock)', () => {
  const clock = new TestClock(START);
  let app: NestExpressApplication;
  let outbox: OutboxMailbox;
  let db: Connection;
  const http = () => request(app.getHttpServer());
  const as = (cookie: string) => ({
    get: (path: string) => http().get(`/api${path}`).set('Cookie', cookie),
    post: (path: string, body: object = {}) => http().post(`/api${path}`).set('Cookie', cookie).send(body),
  });
  const login = (email: string, password = GOOD_PASSWORD) =>
    http().post('/api/auth/login').send({ email, password });
  const signInWith = async (email: string, answer: { code: string } | { recoveryCode: string }) => {
    const { challenge } = (await login(email).expect(200)).body as { challenge: string };
    return http()
      .post('/api/auth/2fa/verify')
      .send({ challenge, ...answer });
  };
  const feed = async (cookie: string) =>
    ((await as(cookie).get('/auth/activity').expect(200)).body as Array<{ type: string }>).map(
      (event) => event.type,
    );

  beforeAll(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'two-factor-'));
    outbox = new OutboxMailbox(join(dataDir, 'outbox'));
    app = await createTestApp(
      {
        DATA_DIR: dataDir,
        RATE_LIMIT_AUTH_PER_MINUTE: '1000',
        LOGIN_MAX_FAILURES_PER_ACCOUNT: '5',
        METRICS_ENABLED: 'true',
      },
      { overrides: [clock.provider] },
    );
    db = databaseOf(app);
  });
  afterAll(() => app.close());

  it('starts off, and sets up a 160-bit secret as text, otpauth URI and QR code, after the password', async () => {
    const { email, cookie } = await signUp(app);
    await http().get('/api/auth/2fa').expect(401);
    expect((await as(cookie).get('/auth/2fa').expect(200)).body).toEqual({
      enabled: false,
      recoveryCodesRemaining: 0,
    });
    const refused = await as(cookie).post('/auth/2fa/setup', { password: WRONG_PASSWORD }).expect(401);
    expect(refused.body.message).toBe('Current password is incorrect');

    const res = await as(cookie).post('/auth/2fa/setup', { password: GOOD_PASSWORD }).expect(200);
    const { secret, otpauthUrl, qrCode } = res.body as Record<string, string>;
    expect(Object.keys(res.body).sort()).toEqual(['otpauthUrl', 'qrCode', 'secret']);
    expect(secret).toMatch(/^[A-Z2-7]+$/);
    expect(base32Bytes(secret).length * 8).toBeGreaterThanOrEqual(160);
    expect(otpauthUrl).toBe(
      `otpauth://totp/Chat%20auth:${encodeURIComponent(email)}?secret=${secret}&issuer=Chat%20auth`,
    );
    expect(qrCode).toMatch(/^data:image\/png;base64,/);
    expect(Buffer.from(qrCode.split(',')[1], 'base64').subarray(1, 4).toString()).toBe('PNG');
    expect(res.headers['cache-control']).toBe('no-store');
    // Set up, not enabled: sign-in is unchanged.
    expect(cookiesOf(await login(email).expect(200)).has('jwt')).toBe(true);
    expect((await as(cookie).get('/auth/check').expect(200)).body.twoFactorEnabled).toBe(false);
  });

  it('counts a wrong password at setup toward the account limit', async () => {
    const { cookie } = await signUp(app);
    for (let i = 0; i < 5; i++)
      await as(cookie).post('/auth/2fa/setup', { password: WRONG_PASSWORD }).expect(401);
    await as(cookie).post('/auth/2fa/setup', { password: GOOD_PASSWORD }).expect(429);
  });

  it('enables with a code of the latest setup only; a wrong code changes nothing', async () => {
    const { email, cookie } = await signUp(app);
    await as(cookie).post('/auth/2fa/enable', { code: '123456' }).expect(400);
    const first = (await as(cookie).post('/auth/2fa/setup', { password: GOOD_PASSWORD }).expect(200)).body
      .secret;
    const second = (await as(cookie).post('/auth/2fa/setup', { password: GOOD_PASSWORD }).expect(200)).body
      .secret;
    expect(second).not.toBe(first);

    const stale = await as(cookie).post('/auth/2fa/enable', { code: await totp(first, clock) });
    expect(stale.status).toBe(400);
    expect(stale.body.message).toBe('Invalid code');
    await as(cookie)
      .post('/auth/2fa/enable', { code: otherThan(await totp(second, clock)) })
      .expect(400);
    expect((await as(cookie).get('/auth/2fa').expect(200)).body.enabled).toBe(false);
    expect((await as(cookie).get('/users/me').expect(200)).body.twoFactorEnabled).toBe(false);
    expect(cookiesOf(await login(email).expect(200)).has('jwt')).toBe(true);

    const enabled = await as(cookie)
      .post('/auth/2fa/enable', { code: await totp(second, clock) })
      .expect(200);
    expect(enabled.headers['cache-control']).toBe('no-store');
    expect(enabled.body.recoveryCodes).toHaveLength(10);
    clock.advance(STEP_MS);
  });

  it('on enabling: answers ten recovery codes, ends every other session, mails a notice, shows it everywhere', async () => {
    const { email, cookie } = await signUp(app);
    const other = sessionCookie(await login(email).expect(200));
    const { recoveryCodes } = await enableTwoFactor(app, clock, cookie, GOOD_PASSWORD);
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const code of recoveryCodes) expect(code).toMatch(RECOVERY_CODE);

    await as(other).get('/auth/check').expect(401);
    expect((await as(cookie).get('/auth/check').expect(200)).body.twoFactorEnabled).toBe(true);
    expect((await as(cookie).get('/users/me').expect(200)).body.twoFactorEnabled).toBe(true);
    expect((await as(cookie).get('/auth/2fa').expect(200)).body).toEqual({
      enabled: true,
      recoveryCodesRemaining: 10,
    });
    const notice = await outbox.waitFor(email, ENABLED_SUBJECT);
    expect(notice.text).toContain('Every other device was signed out');

    const again = await as(cookie).post('/auth/2fa/setup', { password: GOOD_PASSWORD }).expect(409);
    expect(again.body.message).toBe('Two-factor sign-in is already enabled');
    await as(cookie).post('/auth/2fa/enable', { code: '123456' }).expect(409);
  });

  it('regenerates recovery codes after the password: every older one stops working', async () => {
    const { email, cookie } = await signUp(app);
    await as(cookie).post('/auth/2fa/recovery-codes', { password: GOOD_PASSWORD }).expect(409);
    const { recoveryCodes: old } = await enableTwoFactor(app, clock, cookie, GOOD_PASSWORD);
    await as(cookie).post('/auth/2fa/recovery-codes', { password: WRONG_PASSWORD }).expect(401);
    const res = await as(cookie).post('/auth/2fa/recovery-codes', { password: GOOD_PASSWORD }).expect(200);
    const fresh = res.body.recoveryCodes as string[];
    expect(fresh).toHaveLength(10);
    expect(fresh.filter((code) => old.includes(code))).toEqual([]);

    const { challenge } = (await login(email).expect(200)).body as { challenge: string };
    const verify = (recoveryCode: string) =>
      http().post('/api/auth/2fa/verify').send({ challenge, recoveryCode });
    for (const code of [old[0], old[9]]) expect((await verify(code)).status).toBe(401);
    expect((await verify(fresh[0])).status).toBe(200);
    expect((await as(cookie).get('/auth/2fa').expect(200)).body.recoveryCodesRemaining).toBe(9);
  });

  it('disables with the password and a code, mails a notice; sign-in then takes the password alone', async () => {
    const { email, cookie } = await signUp(app);
    await as(cookie).post('/auth/2fa/disable', { password: GOOD_PASSWORD, code: '123456' }).expect(409);
    const { secret } = await enableTwoFactor(app, clock, cookie, GOOD_PASSWORD);
    const code = await totp(secret, clock);

    const wrongCode = await as(cookie).post('/auth/2fa/disable', {
      password: GOOD_PASSWORD,
      code: otherThan(code),
    });
    expect(wrongCode.status).toBe(400);
    expect(wrongCode.body.message).toBe('Invalid code');
    await as(cookie)
      .post('/auth/2fa/disable', { password: WRONG_PASSWORD, code: await totp(secret, clock, 1) })
      .expect(401);
    expect((await as(cookie).get('/auth/2fa').expect(200)).body.enabled).toBe(true);

    clock.advance(2 * STEP_MS);
    const res = await as(cookie)
      .post('/auth/2fa/disable', { password: GOOD_PASSWORD, code: await totp(secret, clock) })
      .expect(200);
    expect(res.body).toEqual({ enabled: false });
    expect((await as(cookie).get('/auth/2fa').expect(200)).body).toEqual({
      enabled: false,
      recoveryCodesRemaining: 0,
    });
    expect((await as(cookie).get('/auth/check').expect(200)).body.twoFactorEnabled).toBe(false);
    const signedIn = await login(email).expect(200);
    expect(signedIn.body).toMatchObject({ email, twoFactorEnabled: false });
    expect(cookiesOf(signedIn).has('jwt')).toBe(true);
    await outbox.waitFor(email, DISABLED_SUBJECT);
    expect(
      await db.collection('twofactors').countDocuments({ user: new Types.ObjectId(signedIn.body._id) }),
    ).toBe(0);
  });

  it('disables with a recovery code instead of a code', async () => {
    const { cookie } = await signUp(app);
    const { recoveryCodes } = await enableTwoFactor(app, clock, cookie, GOOD_PASSWORD);
    await as(cookie)
      .post('/auth/2fa/disable', { password: GOOD_PASSWORD, code: recoveryCodes[4].toUpperCase() })
      .expect(200);
  });

  it('counts wrong codes at disable toward the account limit, though the password is right', async () => {
    const { cookie } = await signUp(app);
    const { secret } = await enableTwoFactor(app, clock, cookie, GOOD_PASSWORD);
    const right = await totp(secret, clock);
    for (let i = 0; i < 5; i++) {
      await as(cookie)
        .post('/auth/2fa/disable', { password: GOOD_PASSWORD, code: otherThan(right) })
        .expect(400);
    }
    await as(cookie).post('/auth/2fa/disable', { password: GOOD_PASSWORD, code: right }).expect(429);
  });

  it('deletes the factor and pending sign-ins with the account', async () => {
    const { email, cookie, user } = await signUp(app);
    await enableTwoFactor(app, clock, cookie, GOOD_PASSWORD);
    await login(email).expect(200);
    const owner = new Types.ObjectId(user._id as string);
    expect(await db.collection('twofactors').countDocuments({ user: owner })).toBe(1);
    expect(await db.collection('twofactor_challenges').countDocuments({ user: owner })).toBe(1);
    await http().delete('/api/users/me').set('Cookie', cookie).send({ password: GOOD_PASSWORD }).expect(204);
    expect(await db.collection('twofactors').countDocuments({ user: owner })).toBe(0);
    expect(await db.collection('twofactor_challenges').countDocuments({ user: owner })).toBe(0);
    await signUp(app, { email });
  });

  it('records each step in the activity feed and counts verifications in the metrics', async () => {
    const metric = async (result: string, method: string) => {
      const text = (await http().get('/api/metrics').expect(200)).text;
      const line = text
        .split('\n')
        .find((candidate) =>
          candidate.startsWith(
            `chat_auth_second_factor_verifications_total{result="${result}",method="${method}"}`,
          ),
        );
      return Number(line?.split(' ')[1]);
    };
    const before = {
      success: await metric('success', 'totp'),
      failure: await metric('failure', 'totp'),
      recovery: await metric('success', 'recovery_code'),
    };
    const { email, cookie } = await signUp(app);
    const { secret, recoveryCodes } = await enableTwoFactor(app, clock, cookie, GOOD_PASSWORD);
    const code = await totp(secret, clock);
    expect((await signInWith(email, { code: otherThan(code) })).status).toBe(401);
    expect((await signInWith(email, { code })).status).toBe(200);
    expect((await signInWith(email, { recoveryCode: recoveryCodes[0] })).status).toBe(200);
    await as(cookie).post('/auth/2fa/recovery-codes', { password: GOOD_PASSWORD }).expect(200);
    clock.advance(STEP_MS);
    await as(cookie)
      .post('/auth/2fa/disable', { password: GOOD_PASSWORD, code: await totp(secret, clock) })
      .expect(200);

    expect(await feed(cookie)).toEqual([
      '2fa.disabled',
      '2fa.recovery_codes_regenerated',
      'login.succeeded',
      '2fa.recovery_code_used',
      'login.succeeded',
      'login.2fa_failed',
      '2fa.enabled',
      'signup',
    ]);
    expect(await metric('success', 'totp')).toBe(before.success + 1);
    expect(await metric('failure', 'totp')).toBe(before.failure + 1);
    expect(await metric('success', 'recovery_code')).toBe(before.recovery + 1);
  });

  it('keeps the secret and the recovery codes out of every later answer and out of the database', async () => {
    const { email, cookie, user } = await signUp(app);
    const setup = await as(cookie).post('/auth/2fa/setup', { password: GOOD_PASSWORD }).expect(200);
    const secret = setup.body.secret as string;
    const enabled = await as(cookie)
      .post('/auth/2fa/enable', { code: await totp(secret, clock) })
      .expect(200);
    clock.advance(STEP_MS);
    const first = enabled.body.recoveryCodes as string[];
    const signedIn = await signInWith(email, { code: await totp(secret, clock) });
    const phone = sessionCookie(signedIn);
    await signInWith(email, { recoveryCode: first[1] });
    const second = (
      await as(cookie).post('/auth/2fa/recovery-codes', { password: GOOD_PASSWORD }).expect(200)
    ).body.recoveryCodes as string[];
    await http().post('/api/auth/token').send({ email, password: GOOD_PASSWORD, otp: second[0] }).expect(200);
    const later = [
      signedIn,
      await login(email).expect(200),
      await as(cookie).get('/auth/2fa').expect(200),
      await as(phone).get('/auth/check').expect(200),
      await as(phone).get('/users/me').expect(200),
      await as(phone).get('/auth/sessions').expect(200),
      await as(phone).get('/auth/activity').expect(200),
      await as(phone).get('/messages/users').expect(200),
    ];

    const bytes = base32Bytes(secret);
    const secretForms = [
      secret,
      secret.toLowerCase(),
      bytes.toString('hex'),
      bytes.toString('base64'),
      bytes.toString('base64url'),
    ];
    const codeForms = [...first, ...second].flatMap((code) => [
      code,
      code.replaceAll('-', ''),
      code.toUpperCase(),
    ]);
    for (const res of later) {
      for (const form of [...secretForms, ...codeForms]) expect(res.text).not.toContain(form);
    }

    const collections = await db.listCollections();
    expect(collections.map((c) => c.name)).toEqual(
      expect.arrayContaining(['twofactors', 'auditevents', 'users']),
    );
    for (const { name } of collections) {
      const documents = JSON.stringify(await db.collection(name).find({}).toArray());
      for (const form of [...secretForms, ...codeForms.map((code) => code.toLowerCase())]) {
        expect(documents, `${name} holds ${form}`).not.toContain(form);
      }
    }
    const factor = await db
      .collection('twofactors')
      .findOne({ user: new Types.ObjectId(user._id as string) });
    expect(factor).toMatchObject({ enabled: true, secret: expect.stringMatching(/^v1\./) });
    expect(factor!.recoveryCodes).toHaveLength(9);
    for (const hash of factor!.recoveryCodes as string[]) expect(hash).toMatch(/^[0-9a-f]{64}$/);
  });
});
