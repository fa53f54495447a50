import type { NestExpressApplication } from '@nestjs/platform-express';
import { type Connection, Types } from 'mongoose';
import request from 'supertest';
import { decodePayload, GOOD_PASSWORD, NEW_PASSWORD, sessionCookie, signUp } from '../support/auth.js';
import { createTestApp, databaseOf } from '../support/app/test-app.js';

describe('Account management (e2e)', () => {
  let app: NestExpressApplication;
  let db: Connection;
  const http = () => request(app.getHttpServer());

  const login = async (email: string, password = GOOD_PASSWORD, userAgent = 'test-agent') =>
    sessionCookie(
      await http().post('/api/auth/login').set('User-Agent', userAgent).send({ email, password }).expect(200),
    );
  const sidOf = (cookie: string) => decodePayload(cookie.slice('jwt='.length)).sid as string;

  beforeAll(async () => {
    app = await createTestApp({ RATE_LIMIT_AUTH_PER_MINUTE: '1000' });
    db = databaseOf(app);
  });
  afterAll(async () => {
    await app.close();
  });

  describe('GET /api/auth/sessions', () => {
    it("lists the caller's live sessions, exactly one current, without token values", async () => {
      const { email, cookie } = await signUp(app);
      const phone = await login(email, GOOD_PASSWORD, 'Phone/1.0');
      const res = await http().get('/api/auth/sessions').set('Cookie', phone).expect(200);
      expect(res.body).toHaveLength(2);
      for (const session of res.body) {
        expect(Object.keys(session).sort()).toEqual(
          ['createdAt', 'current', 'expiresAt', 'id', 'ip', 'lastSeenAt', 'userAgent'].sort(),
        );
      }
      const current = res.body.filter((s: { current: boolean }) => s.current);
      expect(current).toHaveLength(1);
      expect(current[0]).toMatchObject({ id: sidOf(phone), userAgent: 'Phone/1.0', ip: '127.0.0.1' });
      expect(JSON.stringify(res.body)).not.toContain(cookie.slice(4));
      expect(JSON.stringify(res.body)).not.toContain(phone.slice(4));
    });

    it('does not show sessions of other users', async () => {
      const a = await signUp(app);
      await signUp(app);
      const res = await http().get('/api/auth/sessions').set('Cookie', a.cookie).expect(200);
      expect(res.body.map((s: { id: string }) => s.id)).toEqual([sidOf(a.cookie)]);
    });

    it('needs a session', async () => {
      await http().get('/api/auth/sessions').expect(401);
    });
  });

  describe('DELETE /api/auth/sessions/:id', () => {
    it('revokes one session and leaves the others working', async () => {
      const { email, cookie: laptop } = await signUp(app);
      const phone = await login(email);
      await http()
        .delete(`/api/auth/sessions/${sidOf(phone)}`)
        .set('Cookie', laptop)
        .expect(204);
      await http().get('/api/auth/check').set('Cookie', phone).expect(401);
      await http().get('/api/auth/check').set('Cookie', laptop).expect(200);
    });

    it("answers 404 for another user's session and leaves it alone", async () => {
      const mallory = await signUp(app);
      const victim = await signUp(app);
      const res = await http()
        .delete(`/api/auth/sessions/${sidOf(victim.cookie)}`)
        .set('Cookie', mallory.cookie)
        .expect(404);
      expect(res.body.message).toBe('Session not found');
      await http().get('/api/auth/check').set('Cookie', victim.cookie).expect(200);
    });

    it('answers 404 for an unknown id and 400 for a malformed one', async () => {
      const { cookie } = await signUp(app);
      await http()
        .delete(`/api/auth/sessions/${new Types.ObjectId().toHexString()}`)
        .set('Cookie', cookie)
        .expect(404);
      const res = await http().delete('/api/auth/sessions/not-an-id').set('Cookie', cookie).expect(400);
      expect(typeof res.body.message).toBe('string');
    });
  });

  describe('POST /api/auth/logout-all', () => {
    it('revokes every session, the current one included, and clears the cookie', async () => {
      const { email, cookie: first } = await signUp(app);
      const second = await login(email);
      const res = await http().post('/api/auth/logout-all').set('Cookie', first).expect(204);
      expect(([] as string[]).concat(res.headers['set-cookie'])[0]).toMatch(
        /^jwt=;.*Expires=Thu, 01 Jan 1970/,
      );
      await http().get('/api/auth/check').set('Cookie', first).expect(401);
      await http().get('/api/auth/check').set('Cookie', second).expect(401);
    });
  });

  describe('PUT /api/auth/password', () => {
    it('changes the password, revokes the other sessions and keeps the current one', async () => {
      const { email, cookie: current } = await signUp(app);
      const other = await login(email);
      await http()
        .put('/api/auth/password')
        .set('Cookie', current)
        .send({ currentPassword: GOOD_PASSWORD, newPassword: NEW_PASSWORD })
        .expect(204);
      await http().get('/api/auth/check').set('Cookie', current).expect(200);
      await http().get('/api/auth/check').set('Cookie', other).expect(401);
      await http().post('/api/auth/login').send({ email, password: GOOD_PASSWORD }).expect(401);
      await login(email, NEW_PASSWORD);
    });

    it('answers 401 for a wrong current password and changes nothing', async () => {
      const { email, cookie } = await signUp(app);
      const res = await http()
        .put('/api/auth/password')
        .set('Cookie', cookie)
        .send({ currentPassword: 'not-my-password', newPassword: NEW_PASSWORD })
        .expect(401);
      expect(res.body.message).toBe('Current password is incorrect');
      await http().get('/api/auth/check').set('Cookie', cookie).expect(200);
      await login(email, GOOD_PASSWORD);
    });

    it('puts wrong current passwords under a failed-attempt limit of their own, not login’s', async () => {
      const { email, cookie } = await signUp(app);
      for (let i = 0; i < 5; i++) {
        await http()
          .put('/api/auth/password')
          .set('Cookie', cookie)
          .send({ currentPassword: `wrong-${i}`, newPassword: NEW_PASSWORD })
          .expect(401);
      }
      const res = await http()
        .put('/api/auth/password')
        .set('Cookie', cookie)
        .send({ currentPassword: GOOD_PASSWORD, newPassword: NEW_PASSWORD })
        .expect(429);
      expect(res.headers['retry-after']).toMatch(/^\d+$/);
      // A stolen session is no guessing oracle, and its guesses do not lock the owner's login (issue 19).
      await http().post('/api/auth/login').send({ email, password: GOOD_PASSWORD }).expect(200);
    });

    it.each([
      ['a short new password', { newPassword: 'short' }, /at least 8/],
      ['a common new password', { newPassword: 'iloveyou' }, /too common/],
      ['an unchanged password', { newPassword: GOOD_PASSWORD }, /must differ/],
      ['a missing current password', { currentPassword: undefined }, /currentPassword/],
      ['an unknown field', { logoutOthers: false }, /not an allowed field/],
    ])('answers 400 for %s', async (_name, patch, message) => {
      const { email, cookie } = await signUp(app);
      const body = { currentPassword: GOOD_PASSWORD, newPassword: NEW_PASSWORD, ...patch };
      const res = await http().put('/api/auth/password').set('Cookie', cookie).send(body).expect(400);
      expect(res.body.message).toMatch(message);
      await login(email, GOOD_PASSWORD);
    });
  });

  describe('GET and PATCH /api/users/me', () => {
    it('returns the user in the same shape as check', async () => {
      const { cookie } = await signUp(app);
      const check = await http().get('/api/auth/check').set('Cookie', cookie).expect(200);
      const me = await http().get('/api/users/me').set('Cookie', cookie).expect(200);
      expect(me.body).toEqual(check.body);
    });

    it('renames the user, and the new name shows everywhere at once', async () => {
      const { cookie, user } = await signUp(app);
      await http().get('/api/auth/check').set('Cookie', cookie).expect(200);
      const res = await http()
        .patch('/api/users/me')
        .set('Cookie', cookie)
        .send({ fullName: '  Grace Hopper ' })
        .expect(200);
      expect(res.body).toMatchObject({ _id: user._id, fullName: 'Grace Hopper', email: user.email });
      expect(JSON.stringify(res.body)).not.toMatch(/password/);
      const check = await http().get('/api/auth/check').set('Cookie', cookie).expect(200);
      expect(check.body.fullName).toBe('Grace Hopper');
    });

    it.each([
      ['email', { fullName: 'X', email: 'new@example.com' }],
      ['password', { fullName: 'X', password: 'new-password-123' }],
      ['profilePic', { fullName: 'X', profilePic: 'https://evil.example/x.png' }],
      ['an empty name', { fullName: '' }],
      ['a non-string name', { fullName: 7 }],
    ])('answers 400 for %s and changes nothing', async (_name, body) => {
      const { cookie, user } = await signUp(app);
      const res = await http().patch('/api/users/me').set('Cookie', cookie).send(body).expect(400);
      expect(typeof res.body.message).toBe('string');
      const me = await http().get('/api/users/me').set('Cookie', cookie).expect(200);
      expect(me.body).toEqual(user);
    });
  });

  describe('DELETE /api/users/me', () => {
    it('deletes the user and every session; the email can sign up again', async () => {
      const { email, cookie, user } = await signUp(app);
      const other = await login(email);
      const res = await http()
        .delete('/api/users/me')
        .set('Cookie', cookie)
        .send({ password: GOOD_PASSWORD })
        .expect(204);
      expect(([] as string[]).concat(res.headers['set-cookie'])[0]).toMatch(/^jwt=;/);
      await http().get('/api/auth/check').set('Cookie', cookie).expect(401);
      await http().get('/api/auth/check').set('Cookie', other).expect(401);
      expect(await db.collection('users').countDocuments({ email })).toBe(0);
      expect(await db.collection('sessions').countDocuments({ user: new Types.ObjectId(user._id) })).toBe(0);
      await http().post('/api/auth/login').send({ email, password: GOOD_PASSWORD }).expect(401);
      const again = await signUp(app, { email });
      expect(again.user._id).not.toBe(user._id);
    });

    it('answers 401 for a wrong password and keeps the account', async () => {
      const { email, cookie } = await signUp(app);
      const res = await http()
        .delete('/api/users/me')
        .set('Cookie', cookie)
        .send({ password: 'wrong-password' })
        .expect(401);
      expect(res.body.message).toBe('Current password is incorrect');
      expect(await db.collection('users').countDocuments({ email })).toBe(1);
      await http().get('/api/auth/check').set('Cookie', cookie).expect(200);
    });

    it('answers 400 without a password', async () => {
      const { cookie } = await signUp(app);
      await http().delete('/api/users/me').set('Cookie', cookie).send({}).expect(400);
    });

    it('refuses a cross-site request', async () => {
      const { email, cookie } = await signUp(app);
      await http()
        .delete('/api/users/me')
        .set('Cookie', cookie)
        .set('Origin', 'https://evil.example')
        .send({ password: GOOD_PASSWORD })
        .expect(403);
      expect(await db.collection('users').countDocuments({ email })).toBe(1);
    });
  });

  describe('lastSeenAt', () => {
    it('is written when older than a minute, and not again within the minute', async () => {
      const { cookie } = await signUp(app);
      const sessions = db.collection('sessions');
      const sid = new Types.ObjectId(sidOf(cookie));
      const lastSeen = async () => ((await sessions.findOne({ _id: sid }))!.lastSeenAt as Date).getTime();

      await sessions.updateOne({ _id: sid }, { $set: { lastSeenAt: new Date(Date.now() - 5 * 60_000) } });
      await http().get('/api/auth/check').set('Cookie', cookie).expect(200);
      await vi.waitFor(async () => expect(Date.now() - (await lastSeen())).toBeLessThan(10_000));

      const marker = new Date(Date.now() - 1000);
      await sessions.updateOne({ _id: sid }, { $set: { lastSeenAt: marker } });
      for (let i = 0; i < 5; i++) await http().get('/api/auth/check').set('Cookie', cookie).expect(200);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await lastSeen()).toBe(marker.getTime());
    });
  });

  it('documents the account routes', async () => {
    const doc = (await http().get('/api/docs-json').expect(200)).body;
    expect(doc.paths['/api/auth/sessions'].get).toBeDefined();
    expect(doc.paths['/api/auth/sessions/{id}'].delete).toBeDefined();
    expect(doc.paths['/api/auth/logout-all'].post).toBeDefined();
    expect(doc.paths['/api/auth/password'].put).toBeDefined();
    expect(doc.paths['/api/users/me'].get).toBeDefined();
    expect(doc.paths['/api/users/me'].patch).toBeDefined();
    expect(doc.paths['/api/users/me'].delete).toBeDefined();
    expect(doc.components.schemas.UpdateUserDto.properties).toHaveProperty('fullName');
  });
});
