import type { NestExpressApplication } from '@nestjs/platform-express';
import { type Connection, Types } from 'mongoose';
import request from 'supertest';
import { AuditRetention } from '../../src/audit/audit-retention.service.js';
import { databaseOf } from '../support/app/test-app.js';
import {
  GOOD_PASSWORD,
  NEW_PASSWORD,
  sessionCookie,
  signUp,
  uniqueEmail,
  WRONG_PASSWORD,
} from '../support/auth.js';
import { errorBody } from '../support/http/errors.js';
import { type OutboxMailbox, SUBJECT, tokenOf } from '../support/mail/mailbox.js';
import { createOutboxApp } from '../support/mail/outbox-app.js';

const DAY_MS = 24 * 3600 * 1000;
/** What the feed shows of an event, and nothing more. */
const FEED_FIELDS = ['at', 'id', 'ip', 'type', 'userAgent'];

interface FeedEvent {
  id: string;
  type: string;
  at: string;
  ip: string;
  userAgent: string;
}

// A rate limit above 0 switches the per-account lock on; 1000 a minute never throttles the tests.
const outboxApp = (env: Record<string, string> = {}) =>
  createOutboxApp({ RATE_LIMIT_AUTH_PER_MINUTE: '1000', ...env });

describe('Security audit trail (e2e)', () => {
  let app: NestExpressApplication;
  let outbox: OutboxMailbox;
  let db: Connection;
  const http = () => request(app.getHttpServer());
  const stored = () => db.collection('auditevents');

  const signUpFrom = async (userAgent: string, email = uniqueEmail()) => {
    const res = await http()
      .post('/api/auth/signup')
      .set('User-Agent', userAgent)
      .send({ fullName: 'Audit User', email, password: GOOD_PASSWORD })
      .expect(201);
    return { email, cookie: sessionCookie(res), userId: res.body._id as string };
  };
  const login = (email: string, password: string, userAgent = 'test-agent') =>
    http().post('/api/auth/login').set('User-Agent', userAgent).send({ email, password });
  const loginCookie = async (email: string, password: string, userAgent?: string) =>
    sessionCookie(await login(email, password, userAgent).expect(200));
  const activity = async (cookie: string, query = ''): Promise<FeedEvent[]> =>
    (await http().get(`/api/auth/activity${query}`).set('Cookie', cookie).expect(200)).body as FeedEvent[];
  const typesOf = (events: FeedEvent[]) => events.map((event) => event.type);

  beforeAll(async () => {
    ({ app, outbox } = await outboxApp());
    db = databaseOf(app);
  });
  afterAll(() => app.close());

  describe('GET /api/auth/activity', () => {
    it("shows the caller's own events newest first, with address and device, never why a sign-in failed", async () => {
      const { email, cookie: laptop } = await signUpFrom('Laptop/1.0');
      const token = tokenOf((await outbox.waitFor(email, SUBJECT.verify)).links[0]);
      await http().post('/api/auth/verify-email').set('User-Agent', 'Laptop/1.0').send({ token }).expect(200);
      await login(email, WRONG_PASSWORD, 'Stranger/6.6').expect(401);
      await loginCookie(email, GOOD_PASSWORD, 'Phone/2.0');
      await http()
        .put('/api/auth/password')
        .set('Cookie', laptop)
        .set('User-Agent', 'Laptop/1.0')
        .send({ currentPassword: GOOD_PASSWORD, newPassword: NEW_PASSWORD })
        .expect(204);
      const tablet = await loginCookie(email, NEW_PASSWORD, 'Tablet/3.0');
      const sessions = (await http().get('/api/auth/sessions').set('Cookie', laptop).expect(200))
        .body as Array<{
        id: string;
        current: boolean;
      }>;
      const other = sessions.find((session) => !session.current)!;
      await http()
        .delete(`/api/auth/sessions/${other.id}`)
        .set('Cookie', laptop)
        .set('User-Agent', 'Laptop/1.0')
        .expect(204);
      await http().get('/api/auth/check').set('Cookie', tablet).expect(401);
      await http().post('/api/auth/logout').set('Cookie', laptop).set('User-Agent', 'Laptop/1.0').expect(200);
      const desktop = await loginCookie(email, NEW_PASSWORD, 'Desktop/4.0');

      const res = await http().get('/api/auth/activity').set('Cookie', desktop).expect(200);
      const events = res.body as FeedEvent[];
      expect(events.map(({ type, userAgent, ip }) => ({ type, userAgent, ip }))).toEqual([
        { type: 'login.succeeded', userAgent: 'Desktop/4.0', ip: '127.0.0.1' },
        { type: 'logout', userAgent: 'Laptop/1.0', ip: '127.0.0.1' },
        { type: 'session.revoked', userAgent: 'Laptop/1.0', ip: '127.0.0.1' },
        { type: 'login.succeeded', userAgent: 'Tablet/3.0', ip: '127.0.0.1' },
        { type: 'password.changed', userAgent: 'Laptop/1.0', ip: '127.0.0.1' },
        { type: 'login.succeeded', userAgent: 'Phone/2.0', ip: '127.0.0.1' },
        { type: 'login.failed', userAgent: 'Stranger/6.6', ip: '127.0.0.1' },
        { type: 'email.verified', userAgent: 'Laptop/1.0', ip: '127.0.0.1' },
        { type: 'signup', userAgent: 'Laptop/1.0', ip: '127.0.0.1' },
      ]);
      for (const event of events) {
        expect(Object.keys(event).sort()).toEqual(FEED_FIELDS);
        expect(event.id).toMatch(/^[a-f0-9]{24}$/);
      }
      const times = events.map((event) => Date.parse(event.at));
      expect(times).toEqual([...times].sort((a, b) => b - a));
      expect(res.text).not.toMatch(/reason|wrong_password|requestId/);
    });

    it('shows the email events: verification, address change, reset request and reset', async () => {
      const { email, cookie } = await signUpFrom('Laptop/1.0');
      const verifyToken = tokenOf((await outbox.waitFor(email, SUBJECT.verify)).links[0]);
      await http().post('/api/auth/verify-email').send({ token: verifyToken }).expect(200);
      const newEmail = uniqueEmail('moved');
      await http()
        .put('/api/auth/email')
        .set('Cookie', cookie)
        .send({ newEmail, password: GOOD_PASSWORD })
        .expect(202);
      const changeToken = tokenOf((await outbox.waitFor(newEmail, SUBJECT.confirmNewAddress)).links[0]);
      await http().post('/api/auth/verify-email').send({ token: changeToken }).expect(200);
      await http().post('/api/auth/forgot-password').send({ email: newEmail }).expect(202);
      const token = tokenOf((await outbox.waitFor(newEmail, SUBJECT.reset)).links[0]);
      await http().post('/api/auth/reset-password').send({ token, newPassword: NEW_PASSWORD }).expect(204);

      const fresh = await loginCookie(newEmail, NEW_PASSWORD);
      expect(typesOf(await activity(fresh))).toEqual([
        'login.succeeded',
        'password.reset',
        'password.reset_requested',
        'email.changed',
        'email.change_requested',
        'email.verified',
        'signup',
      ]);
    });

    it('shows a lockout as failed sign-ins and the lock, without reasons', async () => {
      const { email, cookie, userId } = await signUpFrom('Laptop/1.0');
      for (let i = 0; i < 5; i++) await login(email, WRONG_PASSWORD, 'Stuffer/1.0').expect(401);
      await login(email, WRONG_PASSWORD, 'Stuffer/1.0').expect(429);
      const res = await http().get('/api/auth/activity').set('Cookie', cookie).expect(200);
      expect(typesOf(res.body as FeedEvent[])).toEqual([
        'login.locked',
        ...Array<string>(6).fill('login.failed'),
        'signup',
      ]);
      expect(res.text).not.toMatch(/reason|"locked"|wrong_password/);
      const failures = { user: new Types.ObjectId(userId), type: 'login.failed' };
      const reasons = await stored().distinct('reason', failures);
      expect(reasons).toHaveLength(2);
      expect(reasons).toEqual(expect.arrayContaining(['locked', 'wrong_password']));
    });

    it("never shows another user's events", async () => {
      const alice = await signUpFrom('Alice/1.0');
      const bob = await signUpFrom('Bob/1.0');
      await login(bob.email, WRONG_PASSWORD, 'Stranger/6.6').expect(401);
      await loginCookie(bob.email, GOOD_PASSWORD, 'Bob/2.0');
      await login(alice.email, WRONG_PASSWORD, 'Stranger/6.6').expect(401);

      const feed = await activity(alice.cookie);
      expect(typesOf(feed)).toEqual(['login.failed', 'signup']);
      const ids = feed.map((event) => new Types.ObjectId(event.id));
      const owners = await stored().distinct('user', { _id: { $in: ids } });
      expect(owners.map(String)).toEqual([alice.userId]);
      expect(typesOf(await activity(bob.cookie))).toEqual(['login.succeeded', 'login.failed', 'signup']);
    });

    it('pages with limit and before, newest first, without gaps or repeats', async () => {
      const { email, cookie } = await signUpFrom('Laptop/1.0');
      for (let i = 1; i <= 4; i++) await loginCookie(email, GOOD_PASSWORD, `Device/${i}`);
      const all = await activity(cookie);
      expect(all).toHaveLength(5);

      const pages: FeedEvent[][] = [];
      let before = '';
      for (;;) {
        const page = await activity(cookie, `?limit=2${before && `&before=${before}`}`);
        if (page.length === 0) break;
        expect(page.length).toBeLessThanOrEqual(2);
        pages.push(page);
        before = page.at(-1)!.id;
      }
      expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
      expect(pages.flat()).toEqual(all);
      expect(typesOf(await activity(cookie, '?limit=1'))).toEqual(['login.succeeded']);
      expect(await activity(cookie, `?before=${all[3].id}`)).toEqual([all[4]]);
    });

    it('refuses a malformed limit or before, and unknown parameters', async () => {
      const { cookie } = await signUp(app);
      const refused = async (query: string, message: string) => {
        const res = await http().get(`/api/auth/activity${query}`).set('Cookie', cookie).expect(400);
        expect(res.body).toMatchObject(errorBody(400, message));
      };
      await refused('?limit=0', 'limit must be an integer from 1 to 100');
      await refused('?limit=101', 'limit must be an integer from 1 to 100');
      await refused('?limit=ten', 'limit must be an integer from 1 to 100');
      await refused('?before=zzz', 'before must be a 24-character hexadecimal event id');
      await refused('?user=6650f0c2a1b2c3d4e5f60721', 'user is not an allowed field');
    });

    it('needs a session', async () => {
      const res = await http().get('/api/auth/activity').expect(401);
      expect(res.body).toEqual(errorBody(401, 'Not authenticated'));
    });
  });

  describe('the auditevents collection', () => {
    it('keeps the reason and the request id of the request that caused each event, server-side', async () => {
      const { email, userId } = await signUpFrom('Laptop/1.0');
      const failed = await login(email, WRONG_PASSWORD, 'Stranger/6.6').expect(401);
      const requestId = failed.headers['x-request-id'] as string;
      expect(requestId).toBeTruthy();
      const event = await stored().findOne({ requestId });
      expect(event).toMatchObject({
        type: 'login.failed',
        reason: 'wrong_password',
        ip: '127.0.0.1',
        userAgent: 'Stranger/6.6',
        requestId,
      });
      expect(String(event!.user)).toBe(userId);
      expect(event!.at).toBeInstanceOf(Date);

      const chosenId = `proxy-${new Types.ObjectId().toHexString()}`;
      await login(email, GOOD_PASSWORD).set('X-Request-Id', chosenId).expect(200);
      expect(await stored().findOne({ requestId: chosenId })).toMatchObject({
        type: 'login.succeeded',
        method: 'password',
      });
    });

    it('records a failed sign-in for an unknown address with no user, shown to nobody', async () => {
      const email = uniqueEmail('nobody');
      const res = await login(email, WRONG_PASSWORD, 'Stranger/6.6').expect(401);
      const event = await stored().findOne({ requestId: res.headers['x-request-id'] as string });
      expect(event).toMatchObject({ type: 'login.failed', reason: 'unknown_email' });
      expect(event).not.toHaveProperty('user');

      // Whoever signs up with that address later does not inherit the attempt.
      const { cookie } = await signUpFrom('Laptop/1.0', email);
      expect(typesOf(await activity(cookie))).toEqual(['signup']);
    });

    it("keeps a deleted account's events until they expire; nobody can read them through the API", async () => {
      const { email, cookie, userId } = await signUpFrom('Laptop/1.0');
      await login(email, WRONG_PASSWORD, 'Stranger/6.6').expect(401);
      await http()
        .delete('/api/users/me')
        .set('Cookie', cookie)
        .send({ password: GOOD_PASSWORD })
        .expect(204);
      await http().get('/api/auth/activity').set('Cookie', cookie).expect(401);
      const kept = await stored()
        .find({ user: new Types.ObjectId(userId) })
        .sort({ _id: -1 })
        .toArray();
      expect(kept.map((event) => event.type)).toEqual(['account.deleted', 'login.failed', 'signup']);
    });

    it('has the feed index and a TTL index on `at` for AUDIT_RETENTION_DAYS (90 by default)', async () => {
      const indexes = await stored().listIndexes().toArray();
      expect(indexes).toContainEqual(expect.objectContaining({ key: { user: 1, _id: -1 } }));
      expect(indexes).toContainEqual(
        expect.objectContaining({ key: { at: 1 }, expireAfterSeconds: 90 * 24 * 3600 }),
      );
    });

    it('deletes events past the retention, and only those (the embedded server has no TTL monitor)', async () => {
      const now = Date.now();
      const user = new Types.ObjectId();
      const base = { type: 'login.succeeded', user, ip: '192.0.2.1', userAgent: 'Old/1.0' };
      const { insertedIds } = await stored().insertMany([
        { ...base, at: new Date(now - 91 * DAY_MS) },
        { ...base, at: new Date(now - 89 * DAY_MS) },
      ]);
      expect(await app.get(AuditRetention).sweep()).toBe(1);
      const left = await stored().find({ user }).toArray();
      expect(left.map((event) => event._id)).toEqual([insertedIds[1]]);
    });
  });
});

describe('Security audit trail with other settings (e2e)', () => {
  let app: NestExpressApplication;
  let outbox: OutboxMailbox;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    ({ app, outbox } = await outboxApp({ AUDIT_RETENTION_DAYS: '7', REQUIRE_EMAIL_VERIFICATION: 'true' }));
  });
  afterAll(() => app.close());

  it('sets the TTL index from AUDIT_RETENTION_DAYS and sweeps by it', async () => {
    const db = databaseOf(app);
    const indexes = await db.collection('auditevents').listIndexes().toArray();
    expect(indexes).toContainEqual(
      expect.objectContaining({ key: { at: 1 }, expireAfterSeconds: 7 * 24 * 3600 }),
    );
    const user = new Types.ObjectId();
    await db.collection('auditevents').insertMany([
      { type: 'logout', user, ip: '', userAgent: '', at: new Date(Date.now() - 8 * DAY_MS) },
      { type: 'logout', user, ip: '', userAgent: '', at: new Date(Date.now() - 6 * DAY_MS) },
    ]);
    expect(await app.get(AuditRetention).sweep()).toBe(1);
    expect(await db.collection('auditevents').countDocuments({ user })).toBe(1);
  });

  it('shows an unverified account its activity when verification is required', async () => {
    const { email, cookie } = await signUp(app);
    await http().get('/api/auth/sessions').set('Cookie', cookie).expect(403);
    const res = await http().get('/api/auth/activity').set('Cookie', cookie).expect(200);
    expect((res.body as FeedEvent[]).map((event) => event.type)).toEqual(['signup']);
    await outbox.waitFor(email, SUBJECT.verify);
  });
});
