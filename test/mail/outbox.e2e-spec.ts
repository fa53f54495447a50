import type { NestExpressApplication } from '@nestjs/platform-express';
import bcrypt from 'bcrypt';
import request from 'supertest';
import { databaseOf } from '../support/app/test-app.js';
import { GOOD_PASSWORD, NEW_PASSWORD, signUp, uniqueEmail } from '../support/auth.js';
import { LogCapture } from '../support/app/log-capture.js';
import { errorBody } from '../support/http/errors.js';
import { type OutboxMailbox, pathOf, SUBJECT, tokenOf } from '../support/mail/mailbox.js';
import { createOutboxApp } from '../support/mail/outbox-app.js';

const APP_URL = 'https://chat.example';
const API_URL = 'https://api.chat.example';
const INVALID_TOKEN = errorBody(400, 'Invalid or expired token');

const outboxApp = (env: Record<string, string> = {}) => createOutboxApp({ APP_URL, API_URL, ...env });

describe('Mail through the outbox (e2e)', () => {
  let app: NestExpressApplication;
  let outbox: OutboxMailbox;
  let logs: LogCapture;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    ({ app, outbox } = await outboxApp());
    logs = LogCapture.attach(app);
  });
  afterAll(() => app.close());

  const requestReset = async (email: string) => {
    const count = (await outbox.to(email, SUBJECT.reset)).length;
    await http().post('/api/auth/forgot-password').send({ email }).expect(202);
    return outbox.waitFor(email, SUBJECT.reset, count + 1);
  };

  describe('password reset', () => {
    it('recovers an account from the email link: new password in, old one and every session out', async () => {
      const { email, cookie } = await signUp(app);
      const forgot = await http().post('/api/auth/forgot-password').send({ email }).expect(202);
      expect(forgot.body).toEqual({
        message: 'If an account uses this address, a link to reset its password is on its way',
      });
      const mail = await outbox.waitFor(email, SUBJECT.reset);
      expect(mail.html).toContain('Choose a new password');
      const link = mail.links[0];
      expect(link.startsWith(`${API_URL}/api/auth/reset-password?token=`)).toBe(true);
      const token = tokenOf(link);
      expect(Buffer.from(token, 'base64url')).toHaveLength(32);

      const page = await http().get(pathOf(link)).expect(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
      expect(page.text).toContain('<script src="reset-password.js" defer></script>');
      expect(page.text).not.toMatch(/<script>/);
      const script = await http().get('/api/auth/reset-password.js').expect(200);
      expect(script.headers['content-type']).toMatch(/^text\/javascript/);

      await http().post('/api/auth/reset-password').send({ token, newPassword: NEW_PASSWORD }).expect(204);
      await http().get('/api/auth/check').set('Cookie', cookie).expect(401);
      await http().post('/api/auth/login').send({ email, password: GOOD_PASSWORD }).expect(401);
      await http().post('/api/auth/login').send({ email, password: NEW_PASSWORD }).expect(200);
      const notice = await outbox.waitFor(email, SUBJECT.passwordChanged);
      expect(notice.text).toContain('every device was signed out');
    });

    it('uses a token once', async () => {
      const { email } = await signUp(app);
      const token = tokenOf((await requestReset(email)).links[0]);
      await http().post('/api/auth/reset-password').send({ token, newPassword: NEW_PASSWORD }).expect(204);
      const again = await http()
        .post('/api/auth/reset-password')
        .send({ token, newPassword: 'another-quiet-meadow-31' })
        .expect(400);
      expect(again.body).toEqual(INVALID_TOKEN);
    });

    it('refuses a tampered, unknown or malformed token with the same message', async () => {
      const { email } = await signUp(app);
      const token = tokenOf((await requestReset(email)).links[0]);
      const tampered = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
      for (const bad of [tampered, 'A'.repeat(43), 'short', `${token}x`]) {
        const res = await http()
          .post('/api/auth/reset-password')
          .send({ token: bad, newPassword: NEW_PASSWORD });
        expect(res.status).toBe(400);
        expect(res.body).toEqual(INVALID_TOKEN);
      }
      await http().post('/api/auth/reset-password').send({ token, newPassword: NEW_PASSWORD }).expect(204);
    });

    it('refuses an expired token', async () => {
      const { email } = await signUp(app);
      const token = tokenOf((await requestReset(email)).links[0]);
      const tokens = databaseOf(app).collection('email_tokens');
      const stored = await tokens.findOne({ purpose: 'password-reset', email });
      expect(stored!.tokenHash).not.toContain(token);
      const minutesLeft = (stored!.expiresAt.getTime() - Date.now()) / 60_000;
      expect(minutesLeft).toBeGreaterThan(29);
      expect(minutesLeft).toBeLessThanOrEqual(30);
      await tokens.updateOne({ _id: stored!._id }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
      const res = await http().post('/api/auth/reset-password').send({ token, newPassword: NEW_PASSWORD });
      expect(res.status).toBe(400);
      expect(res.body).toEqual(INVALID_TOKEN);
      await http().post('/api/auth/login').send({ email, password: GOOD_PASSWORD }).expect(200);
    });

    it('replaces an older token with the newer one', async () => {
      const { email } = await signUp(app);
      const first = tokenOf((await requestReset(email)).links[0]);
      // Only a link a few minutes old is replaced (issue 19): this one was sent 6 minutes ago.
      await databaseOf(app)
        .collection('email_tokens')
        .updateOne(
          { purpose: 'password-reset', email },
          { $set: { expiresAt: new Date(Date.now() + 24 * 60_000) } },
        );
      const second = tokenOf((await requestReset(email)).links[0]);
      expect(second).not.toBe(first);
      const stale = await http()
        .post('/api/auth/reset-password')
        .send({ token: first, newPassword: NEW_PASSWORD });
      expect(stale.body).toEqual(INVALID_TOKEN);
      await http()
        .post('/api/auth/reset-password')
        .send({ token: second, newPassword: NEW_PASSWORD })
        .expect(204);
    });

    it('applies the password policy without using the token up', async () => {
      const { email } = await signUp(app);
      const token = tokenOf((await requestReset(email)).links[0]);
      const weak = await http()
        .post('/api/auth/reset-password')
        .send({ token, newPassword: 'password' })
        .expect(400);
      expect(weak.body.message).toMatch(/newPassword is too common/);
      await http().post('/api/auth/reset-password').send({ token, newPassword: NEW_PASSWORD }).expect(204);
    });

    it('answers an unknown address exactly as a known one, and sends nothing', async () => {
      const { email } = await signUp(app);
      const unknown = uniqueEmail('nobody');
      // The unknown address first: once the known one's mail is there, its work is long done.
      const missing = await http().post('/api/auth/forgot-password').send({ email: unknown }).expect(202);
      const known = await http().post('/api/auth/forgot-password').send({ email }).expect(202);
      expect(missing.body).toEqual(known.body);
      expect(Object.keys(missing.headers).sort()).toEqual(Object.keys(known.headers).sort());
      await outbox.waitFor(email, SUBJECT.reset);
      expect(await outbox.to(unknown)).toEqual([]);
    });

    it('takes about as long for an unknown address as for a known one (medians)', async () => {
      const rounds = 21;
      const known: string[] = [];
      for (let i = 0; i < rounds; i++) known.push((await signUp(app)).email);
      // Each request is timed alone: the mail work of the one before (a signup's, a reset's) is over.
      let files = 0;
      const settle = async (expected: number) => {
        await vi.waitFor(async () => expect(await outbox.count()).toBe(expected), {
          timeout: 10_000,
          interval: 10,
        });
        await new Promise((resolve) => setTimeout(resolve, 30));
      };
      // Until every earlier message (the signups' too) has been written: no change for 300 ms.
      for (let last = -1; last !== files;) {
        last = files;
        await new Promise((resolve) => setTimeout(resolve, 300));
        files = await outbox.count();
      }
      const time = async (email: string) => {
        const started = process.hrtime.bigint();
        await http().post('/api/auth/forgot-password').send({ email }).expect(202);
        return Number(process.hrtime.bigint() - started);
      };
      const knownTimes: number[] = [];
      const unknownTimes: number[] = [];
      for (let round = 0; round < rounds; round++) {
        const measureKnown = async () => {
          knownTimes.push(await time(known[round]));
          await settle(++files);
        };
        const measureUnknown = async () => {
          unknownTimes.push(await time(uniqueEmail('ghost')));
          await settle(files);
        };
        for (const measure of round % 2 ? [measureKnown, measureUnknown] : [measureUnknown, measureKnown]) {
          await measure();
        }
      }
      const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
      const ratio = median(knownTimes) / median(unknownTimes);
      expect(ratio).toBeGreaterThan(0.6);
      expect(ratio).toBeLessThan(1.6);
    });

    it('recovers an account of the reference backend, which counts as unverified', async () => {
      const email = uniqueEmail('legacy');
      const now = new Date();
      await databaseOf(app)
        .collection('users')
        .insertOne({
          email,
          fullName: 'Legacy User',
          password: await bcrypt.hash(GOOD_PASSWORD, 4),
          profilePic: '',
          createdAt: now,
          updatedAt: now,
        });
      const login = await http().post('/api/auth/login').send({ email, password: GOOD_PASSWORD }).expect(200);
      expect(login.body.emailVerified).toBe(false);
      const token = tokenOf((await requestReset(email)).links[0]);
      await http().post('/api/auth/reset-password').send({ token, newPassword: NEW_PASSWORD }).expect(204);
      await http().post('/api/auth/login').send({ email, password: NEW_PASSWORD }).expect(200);
    });

    it('rejects a malformed email with a 400', async () => {
      const res = await http().post('/api/auth/forgot-password').send({ email: 'not-an-email' }).expect(400);
      expect(res.body.message).toBe('email must be a valid email address');
    });
  });

  describe('email verification', () => {
    it('sends a link at signup whose page verifies the address', async () => {
      const { email, cookie, user } = await signUp(app);
      expect(user.emailVerified).toBe(false);
      const mail = await outbox.waitFor(email, SUBJECT.verify);
      const link = mail.links[0];
      expect(link.startsWith(`${API_URL}/api/auth/verify-email?token=`)).toBe(true);
      // `npm start` with no mail server: the log shows where the message is, never its token.
      const token = new URL(link).searchParams.get('token') ?? '';
      expect(token.length).toBeGreaterThan(20);
      expect(logs.lines.filter((line) => line.includes(token))).toEqual([]);
      expect(
        logs.lines.some((line) =>
          line.startsWith(`log [Outbox] "${SUBJECT.verify}" to ${email} written to `),
        ),
      ).toBe(true);
      // The link opens a page whose button posts the token (test/auth/verify-email-page.browser.e2e-spec.ts).
      await http().get(pathOf(link)).expect(200);
      await http().post('/api/auth/verify-email').send({ token }).expect(200);
      const check = await http().get('/api/auth/check').set('Cookie', cookie).expect(200);
      expect(check.body.emailVerified).toBe(true);
      const again = await http().post('/api/auth/verify-email').send({ token }).expect(400);
      expect(again.body).toEqual(INVALID_TOKEN);
    });

    it('verifies with POST for apps that handle the link themselves', async () => {
      const { email } = await signUp(app);
      const token = tokenOf((await outbox.waitFor(email, SUBJECT.verify)).links[0]);
      const res = await http().post('/api/auth/verify-email').send({ token }).expect(200);
      expect(res.body).toMatchObject({ email, emailVerified: true });
      expect(JSON.stringify(res.body)).not.toMatch(/password/i);
      expect((await http().post('/api/auth/verify-email').send({ token }).expect(400)).body).toEqual(
        INVALID_TOKEN,
      );
    });

    it('resends a fresh link that replaces the first, and says when there is nothing to do', async () => {
      const { email, cookie } = await signUp(app);
      const first = tokenOf((await outbox.waitFor(email, SUBJECT.verify)).links[0]);
      const resend = await http().post('/api/auth/resend-verification').set('Cookie', cookie).expect(202);
      expect(resend.body).toEqual({ message: 'A new confirmation link is on its way' });
      const second = tokenOf((await outbox.waitFor(email, SUBJECT.verify, 2)).links[0]);
      expect((await http().post('/api/auth/verify-email').send({ token: first })).body).toEqual(
        INVALID_TOKEN,
      );
      await http().post('/api/auth/verify-email').send({ token: second }).expect(200);
      const done = await http().post('/api/auth/resend-verification').set('Cookie', cookie).expect(202);
      expect(done.body).toEqual({ message: 'Your email address is already verified' });
      await http().post('/api/auth/resend-verification').expect(401);
    });

    it('escapes a hostile full name in the HTML part', async () => {
      const fullName = `<script>alert("x")</script><img src=x onerror='y'> & co`;
      const { email } = await signUp(app, { fullName });
      // Only a confirmed address is greeted by name (test/mail/unverified-recipients.e2e-spec.ts).
      const token = tokenOf((await outbox.waitFor(email, SUBJECT.verify)).links[0]);
      await http().post('/api/auth/verify-email').send({ token }).expect(200);
      const mail = await requestReset(email);
      expect(mail.html).not.toContain('<script>');
      expect(mail.html).not.toContain('<img');
      expect(mail.html).toContain(
        'Hello &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=&#39;y&#39;&gt; &amp; co,',
      );
      expect(mail.text).toContain(`Hello ${fullName},`);
    });
  });

  describe('email change', () => {
    it('changes the address only when the link sent to the new one is used, and tells the old one', async () => {
      const { email, cookie } = await signUp(app);
      // A confirmed address is told the new one (test/mail/unverified-recipients.e2e-spec.ts).
      const verify = tokenOf((await outbox.waitFor(email, SUBJECT.verify)).links[0]);
      await http().post('/api/auth/verify-email').send({ token: verify }).expect(200);
      const newEmail = uniqueEmail('moved');
      const res = await http()
        .put('/api/auth/email')
        .set('Cookie', cookie)
        .send({ newEmail: newEmail.toUpperCase(), password: GOOD_PASSWORD })
        .expect(202);
      expect(res.body).toEqual({ message: `A confirmation link was sent to ${newEmail}` });
      const notice = await outbox.waitFor(email, SUBJECT.addressChanging);
      expect(notice.text).toContain(newEmail);
      const confirm = await outbox.waitFor(newEmail, SUBJECT.confirmNewAddress);
      expect((await http().get('/api/auth/check').set('Cookie', cookie)).body.email).toBe(email);

      const confirmToken = tokenOf(confirm.links[0]);
      await http().post('/api/auth/verify-email').send({ token: confirmToken }).expect(200);
      const check = await http().get('/api/auth/check').set('Cookie', cookie).expect(200);
      expect(check.body).toMatchObject({ email: newEmail, emailVerified: true });
      await http().post('/api/auth/login').send({ email: newEmail, password: GOOD_PASSWORD }).expect(200);
      await http().post('/api/auth/login').send({ email, password: GOOD_PASSWORD }).expect(401);
      await http().post('/api/auth/verify-email').send({ token: confirmToken }).expect(400);
    });

    it('needs the password, a different address and one nobody uses', async () => {
      const { email, cookie } = await signUp(app);
      const other = await signUp(app);
      const change = (body: object) => http().put('/api/auth/email').set('Cookie', cookie).send(body);
      expect((await change({ newEmail: uniqueEmail(), password: 'wrong-password-123' })).status).toBe(401);
      const same = await change({ newEmail: email, password: GOOD_PASSWORD });
      expect(same.status).toBe(400);
      expect(same.body.message).toBe('newEmail must differ from the current email');
      const taken = await change({ newEmail: other.email, password: GOOD_PASSWORD });
      expect(taken.status).toBe(409);
      expect(taken.body.message).toBe('Email already exists');
      expect((await change({ newEmail: 'nope', password: GOOD_PASSWORD })).status).toBe(400);
      await http()
        .put('/api/auth/email')
        .send({ newEmail: uniqueEmail(), password: GOOD_PASSWORD })
        .expect(401);
    });

    it('voids a pending change when the password is reset or changed', async () => {
      for (const newPasswordBy of ['reset', 'change'] as const) {
        const { email, cookie } = await signUp(app);
        const newEmail = uniqueEmail('hijack');
        await http()
          .put('/api/auth/email')
          .set('Cookie', cookie)
          .send({ newEmail, password: GOOD_PASSWORD })
          .expect(202);
        const confirm = await outbox.waitFor(newEmail, SUBJECT.confirmNewAddress);
        if (newPasswordBy === 'reset') {
          const token = tokenOf((await requestReset(email)).links[0]);
          await http()
            .post('/api/auth/reset-password')
            .send({ token, newPassword: NEW_PASSWORD })
            .expect(204);
        } else {
          await http()
            .put('/api/auth/password')
            .set('Cookie', cookie)
            .send({ currentPassword: GOOD_PASSWORD, newPassword: NEW_PASSWORD })
            .expect(204);
        }
        const res = await http()
          .post('/api/auth/verify-email')
          .send({ token: tokenOf(confirm.links[0]) });
        expect(res.body).toEqual(INVALID_TOKEN);
        await http().post('/api/auth/login').send({ email, password: NEW_PASSWORD }).expect(200);
      }
    });

    it('answers 409 when the new address was taken before the link was used', async () => {
      const { cookie } = await signUp(app);
      const newEmail = uniqueEmail('race');
      await http()
        .put('/api/auth/email')
        .set('Cookie', cookie)
        .send({ newEmail, password: GOOD_PASSWORD })
        .expect(202);
      const confirm = await outbox.waitFor(newEmail, SUBJECT.confirmNewAddress);
      await signUp(app, { email: newEmail });
      const res = await http()
        .post('/api/auth/verify-email')
        .send({ token: tokenOf(confirm.links[0]) })
        .expect(409);
      expect(res.body.message).toBe('Email already exists');
    });
  });

  it('documents every mail route and its answers in the OpenAPI document', async () => {
    const doc = (await http().get('/api/docs-json').expect(200)).body;
    const routes: Array<[string, string, string[]]> = [
      ['/api/auth/forgot-password', 'post', ['202', '400', '429']],
      ['/api/auth/reset-password', 'get', ['200']],
      ['/api/auth/reset-password.js', 'get', ['200']],
      ['/api/auth/reset-password', 'post', ['204', '400', '429']],
      ['/api/auth/verify-email', 'get', ['200']],
      ['/api/auth/verify-email.js', 'get', ['200']],
      ['/api/auth/verify-email', 'post', ['200', '400', '409']],
      ['/api/auth/resend-verification', 'post', ['202', '401', '403', '429']],
      ['/api/auth/email', 'put', ['202', '400', '401', '403', '409', '429']],
    ];
    for (const [path, method, statuses] of routes) {
      const responses = doc.paths[path]?.[method]?.responses;
      expect(Object.keys(responses ?? {}), `${method} ${path}`).toEqual(expect.arrayContaining(statuses));
      for (const status of statuses.filter((code) => Number(code) >= 400)) {
        expect(responses[status].content['application/json'].schema.$ref).toBe(
          '#/components/schemas/ErrorResponseDto',
        );
      }
    }
    for (const path of ['/api/auth/verify-email', '/api/auth/reset-password']) {
      const names = (doc.paths[path].get.parameters as Array<{ name: string; in: string }>).map(
        (p) => `${p.in}:${p.name}`,
      );
      expect(names).toEqual(['query:token']);
    }
    expect(doc.paths['/api/users/me'].get.responses['403'].description).toMatch(/Email not verified/);
    expect(doc.components.schemas.UserResponseDto.required).toContain('emailVerified');
  });
});

describe('Mail: rate limits (e2e)', () => {
  let app: NestExpressApplication;
  let outbox: OutboxMailbox;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    ({ app, outbox } = await outboxApp({ RATE_LIMIT_AUTH_PER_MINUTE: '5' }));
  });
  afterAll(() => app.close());

  it('a reset clears the failed-login counter of the account', async () => {
    const { email } = await signUp(app);
    for (let i = 0; i < 3; i++) {
      await http().post('/api/auth/login').send({ email, password: 'wrong-password-123' }).expect(401);
    }
    const failures = databaseOf(app).collection('login_failures');
    expect(await failures.countDocuments({ email })).toBeGreaterThan(0);
    await http().post('/api/auth/forgot-password').send({ email }).expect(202);
    const token = tokenOf((await outbox.waitFor(email, SUBJECT.reset)).links[0]);
    await http().post('/api/auth/reset-password').send({ token, newPassword: NEW_PASSWORD }).expect(204);
    expect(await failures.countDocuments({ email })).toBe(0);
  });

  it('allows 3 reset requests per hour per address, known or not, then 429; then the per-IP limit', async () => {
    const { email } = await signUp(app);
    for (let i = 0; i < 3; i++) {
      await http().post('/api/auth/forgot-password').send({ email }).expect(202);
    }
    const limited = await http().post('/api/auth/forgot-password').send({ email }).expect(429);
    expect(limited.body.message).toBe('Too many attempts, please try again later');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(3000);
    // One link: the next two came within minutes of it, which leaves it the live one (issue 19).
    await outbox.waitFor(email, SUBJECT.reset, 1);
    // Five requests this minute from this client (one in the test before): the sixth is refused.
    await http().post('/api/auth/forgot-password').send({ email: uniqueEmail() }).expect(429);
    expect(await outbox.to(email, SUBJECT.reset)).toHaveLength(1);
  });

  it('limits resending the verification link per account', async () => {
    const { cookie, email } = await signUp(app);
    for (let i = 0; i < 3; i++) {
      await http().post('/api/auth/resend-verification').set('Cookie', cookie).expect(202);
    }
    await http().post('/api/auth/resend-verification').set('Cookie', cookie).expect(429);
    // The signup's link and three resent ones; the refused request sent nothing.
    await outbox.waitFor(email, SUBJECT.verify, 4);
    expect(await outbox.to(email, SUBJECT.verify)).toHaveLength(4);
  });

  it('limits email change requests per account: each one mails an address the caller chooses', async () => {
    const { cookie, password } = await signUp(app);
    const targets = [uniqueEmail('change'), uniqueEmail('change'), uniqueEmail('change')];
    for (const newEmail of targets) {
      await http().put('/api/auth/email').set('Cookie', cookie).send({ newEmail, password }).expect(202);
    }
    const fourth = uniqueEmail('change');
    const limited = await http()
      .put('/api/auth/email')
      .set('Cookie', cookie)
      .send({ newEmail: fourth, password })
      .expect(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(3000);
    for (const newEmail of targets) await outbox.waitFor(newEmail, SUBJECT.confirmNewAddress);
    expect(await outbox.to(fourth)).toEqual([]);
  });
});

describe('Mail: REQUIRE_EMAIL_VERIFICATION and PASSWORD_RESET_URL (e2e)', () => {
  let app: NestExpressApplication;
  let outbox: OutboxMailbox;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    ({ app, outbox } = await outboxApp({
      REQUIRE_EMAIL_VERIFICATION: 'true',
      PASSWORD_RESET_URL: 'https://chat.example/reset?t={token}',
    }));
  });
  afterAll(() => app.close());

  it('lets an unverified user reach check, logout, resend and verification only', async () => {
    const { email, cookie } = await signUp(app);
    await http().get('/api/auth/check').set('Cookie', cookie).expect(200);
    const refused = await http().get('/api/users/me').set('Cookie', cookie).expect(403);
    expect(refused.body).toEqual(errorBody(403, 'Email not verified'));
    await http().get('/api/auth/sessions').set('Cookie', cookie).expect(403);
    await http().post('/api/auth/resend-verification').set('Cookie', cookie).expect(202);
    const token = tokenOf((await outbox.waitFor(email, SUBJECT.verify, 2)).links[0]);
    await http().post('/api/auth/verify-email').send({ token }).expect(200);
    await http().get('/api/users/me').set('Cookie', cookie).expect(200);
    await http().post('/api/auth/logout').set('Cookie', cookie).expect(200);
  });

  it('points the reset link at the app page from PASSWORD_RESET_URL', async () => {
    const { email } = await signUp(app);
    await http().post('/api/auth/forgot-password').send({ email }).expect(202);
    const link = (await outbox.waitFor(email, SUBJECT.reset)).links[0];
    expect(link).toMatch(/^https:\/\/chat\.example\/reset\?t=[A-Za-z0-9_-]{43}$/);
    const token = new URL(link).searchParams.get('t');
    await http().post('/api/auth/reset-password').send({ token, newPassword: NEW_PASSWORD }).expect(204);
  });
});
