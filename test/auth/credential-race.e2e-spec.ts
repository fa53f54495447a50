import { rm } from 'node:fs/promises';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { GOOD_PASSWORD, NEW_PASSWORD, signUp } from '../support/auth.js';
import { type OutboxMailbox, SUBJECT, tokenOf } from '../support/mail/mailbox.js';
import { createOutboxApp } from '../support/mail/outbox-app.js';

/**
 * Someone who knows the old password keeps signing in while the owner resets or changes it. A login
 * whose bcrypt check was running when the new password landed must not leave a session behind:
 * a reset is how an owner locks such a person out.
 */
describe('Password reset and change against logins in flight (e2e)', () => {
  let app: NestExpressApplication;
  let outbox: OutboxMailbox;
  let dataDir: string;
  const http = () => request(app.getHttpServer());

  beforeEach(async () => {
    // A slower hash widens the window in which a login has read the old hash but not yet finished.
    ({ app, outbox, dataDir } = await createOutboxApp({ BCRYPT_COST: '8' }));
  });
  afterEach(async () => {
    await app.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  /**
   * Signs in with the old password, over and over, until `stop()`; returns every token it got and how
   * many sign-ins were refused (the old password stopped working while the loops ran).
   */
  function keepSigningIn(email: string) {
    let running = true;
    let refused = 0;
    const tokens: string[] = [];
    const loops = [0, 1, 2, 3].map(async () => {
      while (running) {
        const res = await http().post('/api/auth/token').send({ email, password: GOOD_PASSWORD });
        if (res.status === 200) tokens.push(res.body.access_token as string);
        else {
          expect(res.status).toBe(400);
          refused++;
        }
      }
    });
    return {
      stop: async () => {
        running = false;
        await Promise.all(loops);
        return { tokens, refused };
      },
    };
  }

  /** Every token must be refused as a session that no longer exists (not a 5xx, not a 403). */
  async function expectAllRevoked(tokens: string[]): Promise<void> {
    const statuses: number[] = [];
    for (const token of tokens) {
      statuses.push((await http().get('/api/auth/check').set('Authorization', `Bearer ${token}`)).status);
    }
    expect(statuses).toEqual(tokens.map(() => 401));
  }

  it('a reset leaves no session of a login that raced it', async () => {
    const owner = await signUp(app);
    await http().post('/api/auth/forgot-password').send({ email: owner.email }).expect(202);
    const mail = await outbox.waitFor(owner.email, SUBJECT.reset);
    const attacker = keepSigningIn(owner.email);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await http()
      .post('/api/auth/reset-password')
      .send({ token: tokenOf(mail.links[0]), newPassword: NEW_PASSWORD })
      .expect(204);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { tokens, refused } = await attacker.stop();
    // Sign-ins ran on both sides of the new password: some got a token, later ones were refused.
    expect(tokens.length).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
    await expectAllRevoked(tokens);
  });

  it('a password change leaves no other session of a login that raced it, and keeps the current one', async () => {
    const owner = await signUp(app);
    const attacker = keepSigningIn(owner.email);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await http()
      .put('/api/auth/password')
      .set('Cookie', owner.cookie)
      .send({ currentPassword: GOOD_PASSWORD, newPassword: NEW_PASSWORD })
      .expect(204);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { tokens, refused } = await attacker.stop();
    // Sign-ins ran on both sides of the new password: some got a token, later ones were refused.
    expect(tokens.length).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
    await expectAllRevoked(tokens);
    await http().get('/api/auth/check').set('Cookie', owner.cookie).expect(200);
  });
});
