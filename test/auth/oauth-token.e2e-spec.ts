import type { NestExpressApplication } from '@nestjs/platform-express';
import bcrypt from 'bcrypt';
import request from 'supertest';
import {
  CURRENT_HASH,
  decodePayload,
  GOOD_PASSWORD,
  signUp,
  uniqueEmail,
  WRONG_PASSWORD,
} from '../support/auth.js';
import { createTestApp, databaseOf } from '../support/app/test-app.js';
import { errorBody } from '../support/http/errors.js';
import { unknownToKnownTimeRatio } from '../support/http/timing.js';

const INVALID_GRANT = errorBody(400, 'Invalid email or password', 'invalid_grant');
const TOO_MANY = errorBody(429, 'Too many attempts, please try again later');
/** What Swagger UI's password flow sends by default: an empty client id and secret, as Basic. */
const EMPTY_CLIENT = `Basic ${Buffer.from(':').toString('base64')}`;

describe('OAuth 2.0 token route: POST /api/auth/token (e2e)', () => {
  let app: NestExpressApplication;
  const http = () => request(app.getHttpServer());
  const formGrant = (fields: Record<string, string>) =>
    http().post('/api/auth/token').type('form').send(new URLSearchParams(fields).toString());
  const passwordGrant = (email: string, password: string) =>
    formGrant({ grant_type: 'password', username: email, password });
  const bearer = (token: string) => `Bearer ${token}`;

  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  it('grants a bearer token for the form password grant, with no cookie and no caching', async () => {
    const { email, user } = await signUp(app);
    const before = Math.floor(Date.now() / 1000);
    const res = await http()
      .post('/api/auth/token')
      .set('Authorization', EMPTY_CLIENT)
      .type('form')
      .send(`grant_type=password&username=${encodeURIComponent(email)}&password=${GOOD_PASSWORD}&scope=`)
      .expect(200);

    expect(res.body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: expect.any(Number),
      user,
    });
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.pragma).toBe('no-cache');
    const { exp } = decodePayload(res.body.access_token) as { exp: number };
    expect(Math.abs(before + res.body.expires_in - exp)).toBeLessThanOrEqual(5);
    expect(JSON.stringify(res.body)).not.toMatch(/password|\$2[aby]\$/i);

    const check = await http()
      .get('/api/auth/check')
      .set('Authorization', bearer(res.body.access_token))
      .expect(200);
    expect(check.body).toEqual(user);
  });

  it('takes the login JSON body too, with or without grant_type', async () => {
    const { email } = await signUp(app);
    await http().post('/api/auth/token').send({ email, password: GOOD_PASSWORD }).expect(200);
    const res = await http()
      .post('/api/auth/token')
      .send({ grant_type: 'password', username: email.toUpperCase(), password: GOOD_PASSWORD })
      .expect(200);
    expect(res.body.user.email).toBe(email);
  });

  it('answers invalid_grant alike for a wrong password and an unknown email', async () => {
    const { email } = await signUp(app);
    const wrong = await passwordGrant(email, WRONG_PASSWORD).expect(400);
    const unknown = await passwordGrant(uniqueEmail('nobody'), WRONG_PASSWORD).expect(400);
    expect(wrong.body).toEqual(INVALID_GRANT);
    expect(unknown.body).toEqual(INVALID_GRANT);
    expect(wrong.headers['set-cookie']).toBeUndefined();
  });

  it('answers the other RFC 6749 errors inside the usual error body', async () => {
    const { email } = await signUp(app);
    const cases: Array<[Record<string, string>, string, string]> = [
      [
        { grant_type: 'client_credentials' },
        'unsupported_grant_type',
        'Only the password grant type is supported',
      ],
      [{ username: email, password: GOOD_PASSWORD }, 'invalid_request', 'grant_type is required'],
      [{ grant_type: 'password', password: GOOD_PASSWORD }, 'invalid_request', 'username is required'],
      [{ grant_type: 'password', username: email }, 'invalid_request', 'password is required'],
      [
        { grant_type: 'password', username: email, password: GOOD_PASSWORD, scope: 'admin' },
        'invalid_scope',
        'This API has no scopes: leave scope empty',
      ],
    ];
    for (const [fields, error, message] of cases) {
      const res = await formGrant(fields).expect(400);
      expect(res.body).toEqual(errorBody(400, message, error));
    }
    const repeated = await http()
      .post('/api/auth/token')
      .type('form')
      .send(`grant_type=password&username=${encodeURIComponent(email)}&password=a&password=b`)
      .expect(400);
    expect(repeated.body).toMatchObject({
      error: 'invalid_request',
      message: 'password must be given once, as a string',
    });
    const tooLong = await passwordGrant(email, 'x'.repeat(200)).expect(400);
    expect(tooLong.body.error).toBe('invalid_request');
  });

  it('refuses other body types, as the rest of the API does', async () => {
    await http()
      .post('/api/auth/token')
      .set('Content-Type', 'text/plain')
      .send('grant_type=password')
      .expect(415);
    await http().post('/api/auth/signup').type('form').send('fullName=x').expect(415);
  });

  it('opens a normal session: listed with its user agent, ended by logout with the bearer', async () => {
    const { email, cookie } = await signUp(app);
    const res = await passwordGrant(email, GOOD_PASSWORD)
      .set('User-Agent', 'PostmanRuntime/7.43.0')
      .expect(200);
    const auth = bearer(res.body.access_token);

    const sessions = (await http().get('/api/auth/sessions').set('Cookie', cookie).expect(200))
      .body as Array<{
      userAgent: string;
      current: boolean;
    }>;
    expect(sessions.map((session) => session.userAgent)).toContain('PostmanRuntime/7.43.0');
    const own = (await http().get('/api/auth/sessions').set('Authorization', auth).expect(200)).body;
    expect(own.find((session: { current: boolean }) => session.current).userAgent).toBe(
      'PostmanRuntime/7.43.0',
    );

    await http().post('/api/auth/logout').set('Authorization', auth).expect(200);
    await http().get('/api/auth/check').set('Authorization', auth).expect(401);
    await http().get('/api/auth/check').set('Cookie', cookie).expect(200);
  });

  it('is ended by logout-all, a password change and account deletion', async () => {
    const { email, cookie } = await signUp(app);
    const token = async () =>
      bearer((await passwordGrant(email, GOOD_PASSWORD).expect(200)).body.access_token);

    const beforeLogoutAll = await token();
    await http().post('/api/auth/logout-all').set('Cookie', cookie).expect(204);
    await http().get('/api/auth/check').set('Authorization', beforeLogoutAll).expect(401);

    const current = await token();
    const other = await token();
    const newPassword = 'amber-lantern-meadow-77';
    await http()
      .put('/api/auth/password')
      .set('Authorization', current)
      .send({ currentPassword: GOOD_PASSWORD, newPassword })
      .expect(204);
    await http().get('/api/auth/check').set('Authorization', other).expect(401);
    await http().get('/api/auth/check').set('Authorization', current).expect(200);

    await http()
      .delete('/api/users/me')
      .set('Authorization', current)
      .send({ password: newPassword })
      .expect(204);
    await http().get('/api/auth/check').set('Authorization', current).expect(401);
    expect((await passwordGrant(email, newPassword).expect(400)).body).toEqual(INVALID_GRANT);
  });

  it('upgrades a legacy password hash, as login does', async () => {
    const db = databaseOf(app);
    const email = uniqueEmail('legacy');
    const legacy = await bcrypt.hash(GOOD_PASSWORD, 10);
    await db.collection('users').insertOne({
      email,
      fullName: 'Legacy User',
      password: legacy,
      profilePic: '',
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    await passwordGrant(email, GOOD_PASSWORD).expect(200);
    await vi.waitFor(
      async () => expect((await db.collection('users').findOne({ email }))?.password).toMatch(CURRENT_HASH),
      { timeout: 5_000, interval: 20 },
    );
    await passwordGrant(email, GOOD_PASSWORD).expect(200);
  });
});

describe('OAuth 2.0 token route: the limits of login (e2e)', () => {
  let app: NestExpressApplication;
  const http = () => request(app.getHttpServer());
  afterEach(async () => {
    await app.close();
  });

  it('shares the per-client limit with login: 429 with Retry-After', async () => {
    app = await createTestApp({ RATE_LIMIT_AUTH_PER_MINUTE: '3' });
    const email = uniqueEmail('nobody');
    await http().post('/api/auth/login').send({ email, password: WRONG_PASSWORD }).expect(401);
    await http().post('/api/auth/token').send({ email, password: WRONG_PASSWORD }).expect(400);
    await http().post('/api/auth/login').send({ email, password: WRONG_PASSWORD }).expect(401);
    const res = await http().post('/api/auth/token').send({ email, password: WRONG_PASSWORD }).expect(429);
    expect(res.body).toEqual(TOO_MANY);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('counts failed attempts per account with login: locked after 5, even with the right password', async () => {
    app = await createTestApp({ RATE_LIMIT_AUTH_PER_MINUTE: '1000' });
    const { email } = await signUp(app);
    for (let i = 0; i < 3; i++) {
      await http().post('/api/auth/login').send({ email, password: WRONG_PASSWORD }).expect(401);
    }
    for (let i = 0; i < 2; i++) {
      await http().post('/api/auth/token').send({ email, password: WRONG_PASSWORD }).expect(400);
    }
    const res = await http()
      .post('/api/auth/token')
      .type('form')
      .send(`grant_type=password&username=${encodeURIComponent(email)}&password=${GOOD_PASSWORD}`)
      .expect(429);
    expect(res.body).toEqual(TOO_MANY);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    await http().post('/api/auth/login').send({ email, password: GOOD_PASSWORD }).expect(429);
  });
});

describe('OAuth 2.0 token route: timing (e2e)', () => {
  it('takes as long for an unknown email as for a wrong password, as login does', async () => {
    // A realistic cost, so that the password check dominates each request as in production.
    const app = await createTestApp({ BCRYPT_COST: '10', RATE_LIMIT_AUTH_PER_MINUTE: '0' });
    try {
      const { email } = await signUp(app);
      const failGrant = (username: string) =>
        request(app.getHttpServer())
          .post('/api/auth/token')
          .type('form')
          .send(
            new URLSearchParams({ grant_type: 'password', username, password: WRONG_PASSWORD }).toString(),
          )
          .expect(400);
      const ratio = await unknownToKnownTimeRatio(failGrant, email, uniqueEmail('nobody'));
      expect(ratio).toBeGreaterThan(0.6);
      expect(ratio).toBeLessThan(1.6);
    } finally {
      await app.close();
    }
  });
});

describe('API index: GET /api (e2e)', () => {
  it('names the API and links its docs, OpenAPI document and health', async () => {
    const app = await createTestApp({ API_URL: 'http://api.example.test' });
    try {
      const res = await request(app.getHttpServer()).get('/api').set('Host', 'api.example.test').expect(200);
      expect(res.body).toEqual({
        name: 'chat-auth-backend',
        version: expect.stringMatching(/^\d+\.\d+\.\d+/),
        docs: 'http://api.example.test/api/docs',
        openapi: 'http://api.example.test/api/docs-json',
        health: 'http://api.example.test/api/health',
      });
      await request(app.getHttpServer()).get(new URL(res.body.openapi).pathname).expect(200);
    } finally {
      await app.close();
    }
  });

  it('leaves the Swagger links out when Swagger is off', async () => {
    const app = await createTestApp({ SWAGGER_ENABLED: 'false' });
    try {
      const res = await request(app.getHttpServer()).get('/api').expect(200);
      expect(Object.keys(res.body).sort()).toEqual(['health', 'name', 'version']);
      await request(app.getHttpServer()).get('/api/docs-json').expect(404);
    } finally {
      await app.close();
    }
  });
});
