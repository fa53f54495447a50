import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { GOOD_PASSWORD, signUp } from '../support/auth.js';
import { LogCapture } from '../support/app/log-capture.js';
import { SmtpSink } from '../support/mail/smtp-sink.js';
import { SUBJECT } from '../support/mail/mailbox.js';
import { createTestApp } from '../support/app/test-app.js';

const MAIL_FROM = 'Chat Support <support@chat.example>';
const CREDENTIALS = { user: 'mailer', pass: 's3cret:pass' };

/** Starts a sink and an app sending to it; `run` gets both, and both are closed afterwards. */
async function withMail(
  sinkOptions: { starttls: boolean },
  env: Record<string, string>,
  run: (app: NestExpressApplication, sink: SmtpSink, logs: LogCapture) => Promise<void>,
): Promise<void> {
  const sink = await new SmtpSink(CREDENTIALS, sinkOptions).start();
  const app = await createTestApp({ SMTP_URL: sink.url, MAIL_FROM, SMTP_TIMEOUT_MS: '5000', ...env });
  const logs = LogCapture.attach(app);
  try {
    await run(app, sink, logs);
  } finally {
    await app.close();
    await sink.close();
  }
}

const failures = (logs: LogCapture) =>
  logs.lines.filter((line) => line.startsWith('error [MailService] Could not send'));

describe('Mail: TLS to the SMTP server (e2e)', () => {
  it('sends nothing, not even the login, to a server that offers no STARTTLS; logs it; the API still answers', async () => {
    await withMail({ starttls: false }, {}, async (app, sink, logs) => {
      const { email } = await signUp(app);
      await request(app.getHttpServer()).post('/api/auth/forgot-password').send({ email }).expect(202);
      await vi.waitFor(
        () => {
          expect(failures(logs).some((line) => line.includes(`"${SUBJECT.verify}" to ${email}`))).toBe(true);
          expect(failures(logs).some((line) => line.includes(`"Reset your password" to ${email}`))).toBe(
            true,
          );
        },
        { timeout: 10_000, interval: 50 },
      );
      expect(failures(logs).every((line) => /STARTTLS|TLS/.test(line))).toBe(true);
      expect(sink.logins).toEqual([]);
      expect(await sink.received()).toEqual([]);
      await request(app.getHttpServer())
        .post('/api/auth/login')
        .send({ email, password: GOOD_PASSWORD })
        .expect(200);
    });
  });

  it('logs in and delivers only after STARTTLS, with a certificate it verified (SMTP_CA_FILE)', async () => {
    await withMail({ starttls: true }, { SMTP_CA_FILE: SmtpSink.CA_FILE }, async (app, sink) => {
      const { email } = await signUp(app);
      await sink.waitFor(email, SUBJECT.verify);
      expect(sink.logins).toEqual(['mailer']);
      expect(sink.sessions.length).toBeGreaterThan(0);
      expect(sink.sessions.every((session) => session.secure)).toBe(true);
    });
  });

  it('refuses a server whose certificate it cannot verify', async () => {
    await withMail({ starttls: true }, {}, async (app, sink, logs) => {
      const { email } = await signUp(app);
      await vi.waitFor(
        () =>
          expect(
            failures(logs).some((line) => line.includes(email) && /certificate|self[- ]signed/i.test(line)),
          ).toBe(true),
        { timeout: 10_000, interval: 50 },
      );
      expect(sink.logins).toEqual([]);
      expect(await sink.received()).toEqual([]);
    });
  });

  it('sends in clear text only when SMTP_TLS=off says so', async () => {
    await withMail({ starttls: false }, { SMTP_TLS: 'off' }, async (app, sink) => {
      const { email } = await signUp(app);
      await sink.waitFor(email, SUBJECT.verify);
      expect(sink.logins).toEqual(['mailer']);
      expect(sink.sessions.some((session) => session.secure)).toBe(false);
    });
  });

  it.each([
    [{ SMTP_TLS: 'maybe' }, /SMTP_TLS must be on or off/],
    [{ SMTP_URL: 'smtp://127.0.0.1:2525/?ignoreTLS=true' }, /SMTP_URL takes no \?options/],
    [{ SMTP_CA_FILE: '/nonexistent/ca.pem' }, /SMTP_CA_FILE cannot be read/],
  ])('refuses to boot with %o', async (env, message) => {
    await expect(createTestApp({ SMTP_URL: 'smtp://127.0.0.1:2525', MAIL_FROM, ...env })).rejects.toThrow(
      message,
    );
  });
});
