import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { GOOD_PASSWORD, NEW_PASSWORD, signUp } from '../support/auth.js';
import { LogCapture } from '../support/app/log-capture.js';
import { SUBJECT, tokenOf } from '../support/mail/mailbox.js';
import { SmtpSink } from '../support/mail/smtp-sink.js';
import { createTestApp } from '../support/app/test-app.js';

const MAIL_FROM = 'Chat Support <support@chat.example>';

describe('Mail through a real SMTP server (e2e)', () => {
  let sink: SmtpSink;
  let app: NestExpressApplication;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    sink = await new SmtpSink({ user: 'mailer', pass: 's3cret:pass' }).start();
    app = await createTestApp({
      SMTP_URL: sink.url,
      SMTP_CA_FILE: SmtpSink.CA_FILE,
      MAIL_FROM,
      API_URL: 'http://api.test',
    });
  });
  afterAll(async () => {
    await app.close();
    await sink.close();
  });

  it('signs in to the server and delivers the verification mail from MAIL_FROM, text and HTML', async () => {
    const { email } = await signUp(app, { fullName: 'Grace <b>Hopper</b>' });
    const mail = await sink.waitFor(email, SUBJECT.verify);
    expect(mail.from).toBe('"Chat Support" <support@chat.example>');
    expect(sink.logins).toContain('mailer');
    // An unconfirmed address is not greeted by name (test/mail/unverified-recipients.e2e-spec.ts).
    expect(mail.text).toContain('Hello,\n');
    expect(mail.html).toContain('<p>Hello,</p>');
    expect(mail.links[0]).toMatch(/^http:\/\/api\.test\/api\/auth\/verify-email\?token=/);
  });

  it('runs the whole reset from the delivered link', async () => {
    const { email, cookie } = await signUp(app);
    await http().post('/api/auth/forgot-password').send({ email }).expect(202);
    const link = (await sink.waitFor(email, SUBJECT.reset)).links[0];
    await http()
      .post('/api/auth/reset-password')
      .send({ token: tokenOf(link), newPassword: NEW_PASSWORD })
      .expect(204);
    await http().get('/api/auth/check').set('Cookie', cookie).expect(401);
    await http().post('/api/auth/login').send({ email, password: NEW_PASSWORD }).expect(200);
    await sink.waitFor(email, SUBJECT.passwordChanged);
  });
});

describe('Mail when the SMTP server is unreachable (e2e)', () => {
  it('still answers every route and logs why the mail failed', async () => {
    // A port that was just free: nothing listens there.
    const probe = createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));

    const app = await createTestApp({
      SMTP_URL: `smtp://127.0.0.1:${port}`,
      MAIL_FROM,
      SMTP_TIMEOUT_MS: '2000',
    });
    const logs = LogCapture.attach(app);
    try {
      const { email } = await signUp(app);
      await request(app.getHttpServer()).post('/api/auth/forgot-password').send({ email }).expect(202);
      await vi.waitFor(
        () => {
          const failures = logs.lines.filter((line) => line.startsWith('error [MailService] Could not send'));
          expect(
            failures.some(
              (line) => line.includes('"Confirm your email address"') && /ECONNREFUSED/.test(line),
            ),
          ).toBe(true);
          expect(
            failures.some((line) => line.includes('"Reset your password"') && line.includes(email)),
          ).toBe(true);
        },
        { timeout: 10_000, interval: 50 },
      );
      await request(app.getHttpServer())
        .post('/api/auth/login')
        .send({ email, password: GOOD_PASSWORD })
        .expect(200);
    } finally {
      await app.close();
    }
  });

  it('gives up on a server that never answers after SMTP_TIMEOUT_MS, without holding the signup', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket)).listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const { port } = silent.address() as AddressInfo;
    const app = await createTestApp({
      SMTP_URL: `smtp://127.0.0.1:${port}`,
      MAIL_FROM,
      SMTP_TIMEOUT_MS: '3000',
    });
    const logs = LogCapture.attach(app);
    const failed = () => logs.lines.filter((line) => line.includes('Could not send'));
    try {
      await signUp(app);
      // The signup has answered while its mail still waits for a greeting that never comes.
      expect(failed()).toEqual([]);
      await vi.waitFor(() => expect(sockets.length).toBeGreaterThan(0), { timeout: 5000, interval: 20 });
      await vi.waitFor(
        () => expect(failed().some((line) => /timeout|Greeting never received/i.test(line))).toBe(true),
        { timeout: 10_000, interval: 50 },
      );
    } finally {
      await app.close();
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});

describe('Mail configuration (e2e)', () => {
  const production = {
    NODE_ENV: 'production',
    MONGODB_URI: 'mongodb://127.0.0.1:1/x',
    MEDIA_PUBLIC_URL: 'https://api.example.com/media',
    API_URL: 'https://api.example.com',
    SMTP_URL: 'smtp://mail.example.com:587',
    MAIL_FROM: 'no-reply@example.com',
  };

  it.each([
    [{ ...production, SMTP_URL: '' }, /SMTP_URL is required in production/],
    [{ ...production, API_URL: '' }, /API_URL is required in production/],
    [{ SMTP_URL: 'smtp://127.0.0.1:2525' }, /MAIL_FROM is required when SMTP_URL is set/],
    [{ SMTP_URL: 'http://mail.example.com' }, /SMTP_URL must look like smtp:/],
    [
      { PASSWORD_RESET_URL: 'https://app.example/reset' },
      /PASSWORD_RESET_URL must be an http\(s\) URL containing \{token\}/,
    ],
    [{ APP_URL: 'chat.example' }, /APP_URL must be an http\(s\) URL/],
    [{ REQUIRE_EMAIL_VERIFICATION: 'maybe' }, /REQUIRE_EMAIL_VERIFICATION must be a boolean/],
  ])('refuses to boot with %o', async (env, message) => {
    await expect(createTestApp(env)).rejects.toThrow(message);
  });
});
