import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { GOOD_PASSWORD, NEW_PASSWORD, signUp, uniqueEmail } from '../support/auth.js';
import { OutboxMailbox, type ReceivedMail, tokenOf } from '../support/mail/mailbox.js';
import { createTestApp } from '../support/app/test-app.js';

/** What a spammer would have our sender deliver to anyone: the name is theirs to choose. */
const SPAM_NAME = 'Claim your prize at https://prize.example/claim now';

/** Neither part of the mail says anything the account's creator wrote. */
function expectNoStrangersWords(mail: ReceivedMail, ...words: string[]) {
  for (const part of [mail.text, mail.html, mail.subject]) {
    expect(part).not.toContain('prize');
    for (const word of words) expect(part).not.toContain(word);
  }
  expect(mail.text.startsWith('Hello,\n')).toBe(true);
}

describe('Mail to an address nobody has confirmed (e2e)', () => {
  let app: NestExpressApplication;
  let outbox: OutboxMailbox;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'unverified-mail-'));
    outbox = new OutboxMailbox(join(dataDir, 'outbox'));
    app = await createTestApp({ DATA_DIR: dataDir });
  });
  afterAll(() => app.close());

  it('carries no user-written text: verification, reset, password changed, email change', async () => {
    // Someone signs up with a stranger's address and a name that is an advertisement.
    const { email, cookie } = await signUp(app, { fullName: SPAM_NAME });
    expectNoStrangersWords(await outbox.waitFor(email, 'Confirm your email address'));

    await http().post('/api/auth/resend-verification').set('Cookie', cookie).expect(202);
    expectNoStrangersWords(await outbox.waitFor(email, 'Confirm your email address', 2));

    await http().post('/api/auth/forgot-password').send({ email }).expect(202);
    const reset = await outbox.waitFor(email, 'Reset your password');
    expectNoStrangersWords(reset);
    await http()
      .post('/api/auth/reset-password')
      .send({ token: tokenOf(reset.links[0]), newPassword: NEW_PASSWORD })
      .expect(204);
    expectNoStrangersWords(await outbox.waitFor(email, 'Your password was changed'));

    // An address the creator chose is their words too: the stranger is not told it, nor is the new
    // address told the old one.
    const login = await http().post('/api/auth/login').send({ email, password: NEW_PASSWORD }).expect(200);
    const newEmail = uniqueEmail('visit-prize-example');
    await http()
      .put('/api/auth/email')
      .set('Cookie', login.headers['set-cookie'])
      .send({ newEmail, password: NEW_PASSWORD })
      .expect(202);
    expectNoStrangersWords(await outbox.waitFor(email, 'Your email address is about to change'), newEmail);
    expectNoStrangersWords(await outbox.waitFor(newEmail, 'Confirm your new email address'), email);
  });

  it('greets a confirmed address by name, and tells it the new address of a change', async () => {
    const { email, cookie } = await signUp(app, { fullName: 'Ada Lovelace' });
    const verify = await outbox.waitFor(email, 'Confirm your email address');
    await http()
      .post('/api/auth/verify-email')
      .send({ token: tokenOf(verify.links[0]) })
      .expect(200);

    await http().post('/api/auth/forgot-password').send({ email }).expect(202);
    const reset = await outbox.waitFor(email, 'Reset your password');
    expect(reset.text.startsWith('Hello Ada Lovelace,\n')).toBe(true);
    expect(reset.html).toContain('<p>Hello Ada Lovelace,</p>');

    const newEmail = uniqueEmail('ada');
    await http()
      .put('/api/auth/email')
      .set('Cookie', cookie)
      .send({ newEmail, password: GOOD_PASSWORD })
      .expect(202);
    expect((await outbox.waitFor(email, 'Your email address is about to change')).text).toContain(newEmail);
  });
});
