import type { NestExpressApplication } from '@nestjs/platform-express';
import { type Connection, Types } from 'mongoose';
import request from 'supertest';
import { GOOD_PASSWORD, signUp, uniqueEmail, WRONG_PASSWORD } from '../support/auth.js';
import { createTestApp, databaseOf } from '../support/app/test-app.js';
import { errorBody } from '../support/http/errors.js';
import { unknownToKnownTimeRatio } from '../support/http/timing.js';

const TOO_MANY = errorBody(429, 'Too many attempts, please try again later');
const CSRF_REFUSED = errorBody(403, 'Cross-site request refused');

/** A new app for every test of the calling block, so that no rate-limit count leaks between tests. */
function freshAppPerTest(env: Record<string, string>) {
  let app: NestExpressApplication;
  beforeEach(async () => {
    app = await createTestApp(env);
  });
  afterEach(async () => {
    await app.close();
  });
  return {
    app: () => app,
    http: () => request(app.getHttpServer()),
  };
}

function expectTooManyAttempts(res: request.Response, maxRetryAfterSeconds: number): void {
  expect(res.status).toBe(429);
  expect(res.body).toEqual(TOO_MANY);
  expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/);
  expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(maxRetryAfterSeconds);
  expect(res.headers['set-cookie']).toBeUndefined();
}

describe('Auth abuse: per-IP rate limit on signup and login (e2e)', () => {
  describe('with RATE_LIMIT_AUTH_PER_MINUTE=3', () => {
    const { app, http } = freshAppPerTest({ RATE_LIMIT_AUTH_PER_MINUTE: '3' });

    it('answers the 4th login from one client with 429 and Retry-After, even with the right password', async () => {
      const { email } = await signUp(app());
      for (let i = 0; i < 3; i++) {
        await http().post('/api/auth/login').send({ email, password: GOOD_PASSWORD }).expect(200);
      }
      const res = await http().post('/api/auth/login').send({ email, password: GOOD_PASSWORD });
      expectTooManyAttempts(res, 60);
    });

    it('answers the 4th signup from one client with 429 and creates no account', async () => {
      for (let i = 0; i < 3; i++) await signUp(app());
      const email = uniqueEmail('fourth');
      const res = await http()
        .post('/api/auth/signup')
        .send({ fullName: 'Fourth', email, password: GOOD_PASSWORD });
      expectTooManyAttempts(res, 60);
      const db = databaseOf(app());
      expect(await db.collection('users').countDocuments({ email })).toBe(0);
    });

    it('counts signup and login separately', async () => {
      for (let i = 0; i < 3; i++) await signUp(app());
      await http()
        .post('/api/auth/login')
        .send({ email: uniqueEmail(), password: WRONG_PASSWORD })
        .expect(401);
    });

    it('cannot be evaded by rotating X-Forwarded-For when no proxy is trusted', async () => {
      const statuses: number[] = [];
      for (let i = 1; i <= 4; i++) {
        const res = await http()
          .post('/api/auth/login')
          .set('X-Forwarded-For', `198.51.100.${i}`)
          .send({ email: uniqueEmail('xff'), password: WRONG_PASSWORD });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([401, 401, 401, 429]);
    });
  });

  describe.each(['true', '1'])('behind a trusted proxy (TRUST_PROXY=%s)', (trustProxy) => {
    const { http } = freshAppPerTest({ RATE_LIMIT_AUTH_PER_MINUTE: '3', TRUST_PROXY: trustProxy });
    const loginFrom = (forwardedFor: string) =>
      http()
        .post('/api/auth/login')
        .set('X-Forwarded-For', forwardedFor)
        .send({ email: uniqueEmail('proxied'), password: WRONG_PASSWORD });

    it('counts each X-Forwarded-For client on its own', async () => {
      for (let i = 0; i < 3; i++) await loginFrom('203.0.113.7').expect(401);
      expectTooManyAttempts(await loginFrom('203.0.113.7'), 60);
      await loginFrom('203.0.113.8').expect(401);
      expectTooManyAttempts(await loginFrom('203.0.113.7'), 60);
    });
  });

  describe('with one trusted proxy hop (TRUST_PROXY=1)', () => {
    const { http } = freshAppPerTest({ RATE_LIMIT_AUTH_PER_MINUTE: '3', TRUST_PROXY: '1' });

    it('ignores addresses a client prepends to X-Forwarded-For itself', async () => {
      const statuses: number[] = [];
      for (let i = 1; i <= 4; i++) {
        const res = await http()
          .post('/api/auth/login')
          // The proxy appends the address it saw; everything before it is the client's say-so.
          .set('X-Forwarded-For', `10.0.0.${i}, 203.0.113.7`)
          .send({ email: uniqueEmail('spoof'), password: WRONG_PASSWORD });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([401, 401, 401, 429]);
    });
  });

  describe('with RATE_LIMIT_AUTH_PER_MINUTE=0', () => {
    const { app, http } = freshAppPerTest({ RATE_LIMIT_AUTH_PER_MINUTE: '0' });

    it('limits neither the client nor the account', async () => {
      const { email } = await signUp(app());
      for (let i = 0; i < 15; i++) {
        await http().post('/api/auth/login').send({ email, password: WRONG_PASSWORD }).expect(401);
      }
      await http().post('/api/auth/login').send({ email, password: GOOD_PASSWORD }).expect(200);
      for (let i = 0; i < 12; i++) await signUp(app());
    });
  });
});

describe('Auth abuse: per-account failed-login limit (e2e)', () => {
  const { app, http } = freshAppPerTest({ RATE_LIMIT_AUTH_PER_MINUTE: '1000' });
  const login = (email: string, password: string) => http().post('/api/auth/login').send({ email, password });
  const failFiveTimes = async (email: string) => {
    for (let i = 0; i < 5; i++) await login(email, WRONG_PASSWORD).expect(401);
  };
  const FIFTEEN_MINUTES_S = 15 * 60;

  it('locks the account after 5 wrong passwords: the right one then gets the same 429 as a wrong one', async () => {
    const { email } = await signUp(app());
    await failFiveTimes(email);

    const right = await login(email, GOOD_PASSWORD);
    const wrong = await login(email, WRONG_PASSWORD);
    expectTooManyAttempts(right, FIFTEEN_MINUTES_S);
    expectTooManyAttempts(wrong, FIFTEEN_MINUTES_S);
    // The same answer but for the id of each request.
    expect({ ...right.body, requestId: 0 }).toEqual({ ...wrong.body, requestId: 0 });
  });

  it('checks at most 5 passwords of a burst of concurrent guesses, then stays locked', async () => {
    const { email } = await signUp(app());
    // As a botnet would send them: all at once, so that none waits for another's failure to be counted.
    const burst = await Promise.all(Array.from({ length: 20 }, () => login(email, WRONG_PASSWORD)));
    const statuses = burst.map((res) => res.status);
    expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(5);
    expect(statuses.filter((status) => status !== 401 && status !== 429)).toEqual([]);
    expectTooManyAttempts(await login(email, GOOD_PASSWORD), FIFTEEN_MINUTES_S);
  });

  it('counts failures per account whatever the case of the email', async () => {
    const { email } = await signUp(app());
    for (const variant of [email, email.toUpperCase(), ` ${email}`, email, email.toUpperCase()]) {
      await login(variant, WRONG_PASSWORD).expect(401);
    }
    expectTooManyAttempts(await login(email, GOOD_PASSWORD), FIFTEEN_MINUTES_S);
  });

  it('opens the account again once its 15-minute window has passed', async () => {
    const { email } = await signUp(app());
    await failFiveTimes(email);
    expectTooManyAttempts(await login(email, GOOD_PASSWORD), FIFTEEN_MINUTES_S);
    // Moved back in the database rather than waiting a quarter of an hour.
    const db = databaseOf(app());
    await db
      .collection('login_failures')
      .updateMany({ email }, { $set: { windowStartedAt: new Date(Date.now() - 16 * 60_000) } });

    await login(email, GOOD_PASSWORD).expect(200);
    await failFiveTimes(email);
    expectTooManyAttempts(await login(email, GOOD_PASSWORD), FIFTEEN_MINUTES_S);
  });

  it('leaves other accounts alone', async () => {
    const victim = await signUp(app());
    const bystander = await signUp(app());
    await failFiveTimes(victim.email);
    await login(bystander.email, GOOD_PASSWORD).expect(200);
    await login(bystander.email, WRONG_PASSWORD).expect(401);
  });

  it('starts the count again after a successful login', async () => {
    const { email } = await signUp(app());
    for (let i = 0; i < 4; i++) await login(email, WRONG_PASSWORD).expect(401);
    await login(email, GOOD_PASSWORD).expect(200);
    for (let i = 0; i < 4; i++) await login(email, WRONG_PASSWORD).expect(401);
    await login(email, GOOD_PASSWORD).expect(200);
  });

  it('locks unknown emails the same way, so a lockout does not reveal that an account exists', async () => {
    const known = await signUp(app());
    const unknown = uniqueEmail('ghost');
    await failFiveTimes(known.email);
    await failFiveTimes(unknown);

    const lockedKnown = await login(known.email, GOOD_PASSWORD);
    const lockedUnknown = await login(unknown, GOOD_PASSWORD);
    expectTooManyAttempts(lockedKnown, FIFTEEN_MINUTES_S);
    expectTooManyAttempts(lockedUnknown, FIFTEEN_MINUTES_S);
    expect({ ...lockedUnknown.body, requestId: 0 }).toEqual({ ...lockedKnown.body, requestId: 0 });
  });
});

describe('Auth abuse: cross-site requests (e2e)', () => {
  let app: NestExpressApplication;
  let db: Connection;
  const http = () => request(app.getHttpServer());
  const sessionsOf = (userId: string) =>
    db.collection('sessions').countDocuments({ user: new Types.ObjectId(userId) });

  beforeAll(async () => {
    app = await createTestApp();
    db = databaseOf(app);
  });
  afterAll(async () => {
    await app.close();
  });

  it.each<[string, Record<string, string>]>([
    ['a foreign Origin', { Origin: 'https://evil.example' }],
    ['an opaque Origin (null)', { Origin: 'null' }],
    ['only Sec-Fetch-Site: cross-site', { 'Sec-Fetch-Site': 'cross-site' }],
    ['only Sec-Fetch-Site: same-site', { 'Sec-Fetch-Site': 'same-site' }],
    [
      'Sec-Fetch-Site: cross-site from a foreign Origin',
      {
        'Sec-Fetch-Site': 'cross-site',
        Origin: 'https://evil.example',
      },
    ],
    [
      'Sec-Fetch-Site: same-site from an unlisted sibling',
      {
        'Sec-Fetch-Site': 'same-site',
        Origin: 'http://blog.localhost:5173',
      },
    ],
    [
      'Sec-Fetch-Site: cross-site even with the API’s own Host as Origin',
      {
        'Sec-Fetch-Site': 'cross-site',
        Host: 'api.example',
        Origin: 'http://api.example',
      },
    ],
    [
      'a foreign Origin next to an allowed Referer',
      {
        Origin: 'https://evil.example',
        Referer: 'http://localhost:5173/chat',
      },
    ],
  ])('refuses a cookie-authenticated write with %s, and the session survives', async (_name, headers) => {
    const { cookie } = await signUp(app);
    const res = await http().post('/api/auth/logout').set('Cookie', cookie).set(headers).expect(403);
    expect(res.body).toEqual(CSRF_REFUSED);
    expect(res.headers['set-cookie']).toBeUndefined();
    await http().get('/api/auth/check').set('Cookie', cookie).expect(200);
  });

  it('guards every cookie-authenticated write, not only logout', async () => {
    const { cookie } = await signUp(app);
    await http()
      .post('/api/auth/logout-all')
      .set('Cookie', cookie)
      .set('Origin', 'https://evil.example')
      .expect(403);
    await http()
      .patch('/api/users/me')
      .set('Cookie', cookie)
      .set('Origin', 'https://evil.example')
      .send({ fullName: 'Pwned' })
      .expect(403);
    const me = await http().get('/api/auth/check').set('Cookie', cookie).expect(200);
    expect(me.body.fullName).toBe('Test User');
  });

  it.each<[string, Record<string, string>]>([
    ['an Origin from CORS_ORIGINS', { Origin: 'http://localhost:5173' }],
    [
      'Sec-Fetch-Site: cross-site from an Origin in CORS_ORIGINS',
      {
        'Sec-Fetch-Site': 'cross-site',
        Origin: 'http://localhost:5173',
      },
    ],
    [
      'Sec-Fetch-Site: same-site from an Origin in CORS_ORIGINS',
      {
        'Sec-Fetch-Site': 'same-site',
        Origin: 'http://localhost:5173',
      },
    ],
    ['the API’s own origin', { Host: 'api.example', Origin: 'http://api.example' }],
    ['Sec-Fetch-Site: same-origin', { 'Sec-Fetch-Site': 'same-origin' }],
    [
      'Sec-Fetch-Site: same-origin whatever the Origin (a Host-rewriting proxy)',
      {
        'Sec-Fetch-Site': 'same-origin',
        Origin: 'https://chat.example',
      },
    ],
    ['Sec-Fetch-Site: none (typed into the address bar)', { 'Sec-Fetch-Site': 'none' }],
    ['no Origin, Referer or Sec-Fetch-Site (curl)', {}],
    // As in Go's CrossOriginProtection, Referer plays no part: every browser that sends no
    // Sec-Fetch-Site still sends Origin on a write, so a request with neither is not a browser's.
    ['only a foreign Referer (no browser sends that alone)', { Referer: 'https://evil.example/page' }],
  ])('accepts a cookie-authenticated write with %s', async (_name, headers) => {
    const { cookie } = await signUp(app);
    await http().post('/api/auth/logout').set('Cookie', cookie).set(headers).expect(200);
    await http().get('/api/auth/check').set('Cookie', cookie).expect(401);
  });

  it('does not apply to a Bearer-authenticated write (a browser never adds that header itself)', async () => {
    const { token } = await signUp(app);
    await http()
      .patch('/api/users/me')
      .set('Authorization', `Bearer ${token}`)
      .set({ Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' })
      .send({ fullName: 'Script Client' })
      .expect(200);
  });

  it('applies to the cookie when a request carries both cookie and Bearer token', async () => {
    const { cookie, token } = await signUp(app);
    await http()
      .post('/api/auth/logout')
      .set('Cookie', cookie)
      .set('Authorization', `Bearer ${token}`)
      .set({ Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' })
      .expect(403);
  });

  it('does not refuse reads with a foreign Origin (CORS keeps their answers from the page)', async () => {
    const { cookie } = await signUp(app);
    const res = await http()
      .get('/api/auth/check')
      .set('Cookie', cookie)
      .set('Origin', 'https://evil.example')
      .expect(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('does not refuse a foreign Origin without a session cookie (nothing to ride on)', async () => {
    const { email } = await signUp(app);
    await http()
      .post('/api/auth/login')
      .set('Origin', 'https://evil.example')
      .send({ email, password: GOOD_PASSWORD })
      .expect(200);
  });

  describe('HTML form posts (no CORS preflight)', () => {
    const formBodies: Array<[string, (fields: Record<string, string>) => string]> = [
      ['application/x-www-form-urlencoded', (fields) => new URLSearchParams(fields).toString()],
      // The classic trick: a text/plain form whose one field assembles into JSON.
      ['text/plain', (fields) => JSON.stringify(fields)],
    ];

    it.each(formBodies)('answers 415 to a %s login and signs nobody in', async (type, encode) => {
      const { email, user } = await signUp(app);
      const before = await sessionsOf(user._id);
      const res = await http()
        .post('/api/auth/login')
        .set('Origin', 'https://evil.example')
        .set('Content-Type', type)
        .send(encode({ email, password: GOOD_PASSWORD }))
        .expect(415);
      expect(res.body).toEqual(errorBody(415, 'Content-Type must be application/json'));
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(await sessionsOf(user._id)).toBe(before);
    });

    it.each(formBodies)('answers 415 to a %s signup and creates no account', async (type, encode) => {
      const email = uniqueEmail('form');
      await http()
        .post('/api/auth/signup')
        .set('Origin', 'https://evil.example')
        .set('Content-Type', type)
        .send(encode({ fullName: 'Form Post', email, password: GOOD_PASSWORD }))
        .expect(415);
      expect(await db.collection('users').countDocuments({ email })).toBe(0);
    });

    it.each(formBodies)(
      'refuses a %s logout (403, body unread) and the session survives',
      async (type, encode) => {
        const { cookie } = await signUp(app);
        const res = await http()
          .post('/api/auth/logout')
          .set('Cookie', cookie)
          .set('Origin', 'https://evil.example')
          .set('Content-Type', type)
          .send(encode({ anything: '1' }))
          .expect(403);
        expect(res.headers['set-cookie']).toBeUndefined();
        await http().get('/api/auth/check').set('Cookie', cookie).expect(200);
      },
    );
  });
});

describe('Auth abuse: login timing does not reveal whether an account exists (e2e)', () => {
  let app: NestExpressApplication;

  beforeAll(async () => {
    // A realistic cost, so that the password check dominates each request as in production.
    app = await createTestApp({ BCRYPT_COST: '10', RATE_LIMIT_AUTH_PER_MINUTE: '0' });
  });
  afterAll(async () => {
    await app.close();
  });

  const failLogin = (email: string) =>
    request(app.getHttpServer())
      .post('/api/auth/login')
      .send({ email, password: WRONG_PASSWORD })
      .expect(401);

  it('takes as long for an unknown email as for a wrong password', async () => {
    const { email: known } = await signUp(app);
    const ratio = await unknownToKnownTimeRatio(failLogin, known, uniqueEmail('nobody'));
    expect(ratio).toBeGreaterThan(0.6);
    expect(ratio).toBeLessThan(1.6);
  });
});
