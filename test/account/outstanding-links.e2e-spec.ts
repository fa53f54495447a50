import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { GOOD_PASSWORD, signUp, uniqueEmail } from '../support/auth.js';
import { OutboxMailbox, SUBJECT, tokenOf } from '../support/mail/mailbox.js';
import { createTestApp } from '../support/app/test-app.js';

const CHANGED_PASSWORD = 'amber-lantern-orchard-77';
const ATTACKER_PASSWORD = 'quartz-meadow-bicycle-19';
const INVALID_TOKEN = {
  statusCode: 400,
  message: 'Invalid or expired token',
  error: 'Bad Request',
  requestId: expect.any(String),
};

/**
 * Issue 19, item 5: a password change and a logout everywhere end what was mailed before them. A
 * reset link kept in a mailbox (or a forwarded mail) must not set the password afterwards.
 */
describe('Links mailed before a password change or a logout everywhere (e2e)', () => {
  let app: NestExpressApplication;
  let outbox: OutboxMailbox;
  const http = () => request(app.getHttpServer());
  const login = (email: string, password: string) => http().post('/api/auth/login').send({ email, password });

  beforeAll(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'outstanding-links-'));
    app = await createTestApp({ DATA_DIR: dataDir });
    outbox = new OutboxMailbox(join(dataDir, 'outbox'));
  });
  afterAll(() => app.close());

  const resetLink = async (email: string) => {
    await http().post('/api/auth/forgot-password').send({ email }).expect(202);
    return tokenOf((await outbox.waitFor(email, SUBJECT.reset)).links[0]);
  };

  const endings = {
    'a password change': (cookie: string) =>
      http()
        .put('/api/auth/password')
        .set('Cookie', cookie)
        .send({ currentPassword: GOOD_PASSWORD, newPassword: CHANGED_PASSWORD })
        .expect(204),
    'a logout everywhere': (cookie: string) =>
      http().post('/api/auth/logout-all').set('Cookie', cookie).expect(204),
  };
  const passwordAfter = { 'a password change': CHANGED_PASSWORD, 'a logout everywhere': GOOD_PASSWORD };

  it.each(Object.keys(endings) as Array<keyof typeof endings>)(
    'refuses a reset link requested before %s, and the password stays',
    async (ending) => {
      const { email, cookie } = await signUp(app);
      const token = await resetLink(email);

      await endings[ending](cookie);
      const used = await http()
        .post('/api/auth/reset-password')
        .send({ token, newPassword: ATTACKER_PASSWORD })
        .expect(400);
      expect(used.body).toEqual(INVALID_TOKEN);
      await login(email, ATTACKER_PASSWORD).expect(401);
      await login(email, passwordAfter[ending]).expect(200);
    },
  );

  it('refuses an email-change link requested before a logout everywhere', async () => {
    const { email, cookie } = await signUp(app);
    const newEmail = uniqueEmail('moved');
    await http()
      .put('/api/auth/email')
      .set('Cookie', cookie)
      .send({ newEmail, password: GOOD_PASSWORD })
      .expect(202);
    const token = tokenOf((await outbox.waitFor(newEmail, SUBJECT.confirmNewAddress)).links[0]);

    await endings['a logout everywhere'](cookie);
    expect((await http().post('/api/auth/verify-email').send({ token }).expect(400)).body).toEqual(
      INVALID_TOKEN,
    );
    await login(email, GOOD_PASSWORD).expect(200);
    await login(newEmail, GOOD_PASSWORD).expect(401);
  });

  it('still honours a reset link requested after the change', async () => {
    const { email, cookie } = await signUp(app);
    await endings['a password change'](cookie);
    await http().post('/api/auth/forgot-password').send({ email }).expect(202);
    const token = tokenOf((await outbox.waitFor(email, SUBJECT.reset)).links[0]);
    await http().post('/api/auth/reset-password').send({ token, newPassword: ATTACKER_PASSWORD }).expect(204);
    await login(email, ATTACKER_PASSWORD).expect(200);
  });
});
