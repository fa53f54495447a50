import type { NestExpressApplication } from '@nestjs/platform-express';
import { type Connection, Types } from 'mongoose';
import request from 'supertest';
import { DatabaseServer } from '../../src/database/database-server.js';
import {
  decodePayload,
  forgeToken,
  GOOD_PASSWORD,
  sessionCookie,
  signUp,
  tokenOf,
  uniqueEmail,
  USER_KEYS,
} from '../support/auth.js';
import { createTestApp, databaseOf, EMBEDDED_DB, TEST_ENV } from '../support/app/test-app.js';
import { errorBody } from '../support/http/errors.js';

describe('Auth (e2e)', () => {
  let app: NestExpressApplication;
  let db: Connection;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    app = await createTestApp();
    db = databaseOf(app);
  });
  afterAll(async () => {
    await app.close();
  });

  describe('signup', () => {
    it('creates the user, answers 201 with the public user and sets the session cookie', async () => {
      const email = uniqueEmail('ada');
      const res = await http()
        .post('/api/auth/signup')
        .send({ fullName: '  Ada Lovelace ', email: `  ${email.toUpperCase()} `, password: GOOD_PASSWORD })
        .expect(201);
      expect(Object.keys(res.body).sort()).toEqual(USER_KEYS);
      expect(res.body).toMatchObject({ fullName: 'Ada Lovelace', email, profilePic: '' });
      expect(JSON.stringify(res.body)).not.toMatch(/password|\$2[aby]\$|hmac/i);
      expect(res.headers['cache-control']).toBe('no-store');

      const cookie = ([] as string[]).concat(res.headers['set-cookie'])[0];
      expect(cookie).toMatch(/^jwt=[\w-]+\.[\w-]+\.[\w-]+;/);
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/Path=\//);
      expect(cookie).toMatch(/SameSite=Lax/);
      expect(cookie).toMatch(/Max-Age=60479[0-9]/);
      expect(cookie).not.toMatch(/Secure/);

      const stored = await db.collection('users').findOne({ email });
      expect(stored?.password).toMatch(/^\$hmac-sha384-bcrypt\$\$2b\$04\$/);
    });

    it('signs an HS256 token carrying sub, sid, iat and exp for the configured lifetime', async () => {
      const { token, user } = await signUp(app);
      const [header] = token.split('.');
      expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toMatchObject({ alg: 'HS256' });
      const payload = decodePayload(token);
      expect(payload.sub).toBe(user._id);
      expect(payload.sid).toMatch(/^[a-f0-9]{24}$/);
      expect((payload.exp as number) - (payload.iat as number)).toBeGreaterThanOrEqual(7 * 86400 - 2);
      const session = await db.collection('sessions').findOne({});
      expect(session).toMatchObject({ userAgent: expect.any(String), ip: expect.any(String) });
    });

    it('answers 409 "Email already exists" for a taken email, whatever its case', async () => {
      const { email } = await signUp(app);
      const res = await http()
        .post('/api/auth/signup')
        .send({ fullName: 'Again', email: email.toUpperCase(), password: GOOD_PASSWORD })
        .expect(409);
      expect(res.body).toEqual(errorBody(409, 'Email already exists'));
      expect(res.headers['set-cookie']).toBeUndefined();
    });

    it('lets exactly one of 20 concurrent signups with one email through', async () => {
      const email = uniqueEmail('race');
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          http()
            .post('/api/auth/signup')
            .send({ fullName: `Racer ${i}`, email, password: GOOD_PASSWORD }),
        ),
      );
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(19);
      expect(await db.collection('users').countDocuments({ email })).toBe(1);
    });
  });

  describe('signup validation', () => {
    const valid = () => ({ fullName: 'Val Idator', email: uniqueEmail('val'), password: GOOD_PASSWORD });
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ['a missing email', { email: undefined }, /email/],
      ['a numeric email', { email: 42 }, /email must be a string/],
      ['an array email', { email: ['a@b.co'] }, /email must be a string/],
      ['an operator object as email', { email: { $gt: '' } }, /email must be a string/],
      ['an invalid email', { email: 'not-an-email' }, /valid email/],
      ['an email over 254 characters', { email: `${'a'.repeat(250)}@example.com` }, /email/],
      ['an empty fullName', { fullName: '   ' }, /fullName must be 1 to 100/],
      ['a fullName over 100 characters', { fullName: 'x'.repeat(101) }, /fullName must be 1 to 100/],
      ['control characters in fullName', { fullName: 'Bad\u0007Name' }, /control characters/],
      ['an object fullName', { fullName: { first: 'A' } }, /fullName must be a string/],
      ['a bidirectional override in fullName', { fullName: 'Eve\u202Egnp.exe' }, /control characters/],
      ['a lone surrogate in fullName', { fullName: 'a\ud800b' }, /fullName must be valid Unicode text/],
      ['a password of only spaces', { password: ' '.repeat(12) }, /only spaces/],
      ['a password array', { password: ['abcdefghij'] }, /password must be a string/],
      ['a short password', { password: 'Ab1!x' }, /at least 8 characters/],
      ['a password over 128 characters', { password: 'p'.repeat(129) }, /password/],
      ['a common password', { password: 'password123' }, /too common/],
      ['an unknown field', { isAdmin: true }, /isAdmin is not an allowed field/],
      ['an operator field', { $where: '1' }, /not an allowed field/],
    ];

    it.each(cases)(
      'answers 400 with one message for %s, and writes nothing',
      async (_name, patch, message) => {
        const body = { ...valid(), ...patch };
        const before = await db.collection('users').countDocuments();
        const res = await http().post('/api/auth/signup').send(body).expect(400);
        expect(typeof res.body.message).toBe('string');
        expect(res.body.message).toMatch(message);
        expect(res.body.error).toBe('Bad Request');
        expect(res.headers['set-cookie']).toBeUndefined();
        expect(await db.collection('users').countDocuments()).toBe(before);
      },
    );

    it('answers 400 for a body that is a JSON array', async () => {
      const res = await http().post('/api/auth/signup').send([valid()]).expect(400);
      expect(typeof res.body.message).toBe('string');
    });
  });

  describe('login', () => {
    it('answers 200 with the user and a new session cookie, whatever the email case', async () => {
      const { email, cookie: signupCookie } = await signUp(app);
      const res = await http()
        .post('/api/auth/login')
        .send({ email: ` ${email.toUpperCase()}`, password: GOOD_PASSWORD })
        .expect(200);
      expect(Object.keys(res.body).sort()).toEqual(USER_KEYS);
      expect(res.body.email).toBe(email);
      const cookie = sessionCookie(res);
      expect(cookie).not.toBe(signupCookie);
      expect(decodePayload(tokenOf(cookie)).sid).not.toBe(decodePayload(tokenOf(signupCookie)).sid);
      await http().get('/api/auth/check').set('Cookie', cookie).expect(200);
    });

    it('answers the same 401 for a wrong password and an unknown email, without a cookie', async () => {
      const { email } = await signUp(app);
      const wrong = await http()
        .post('/api/auth/login')
        .send({ email, password: 'not-the-password' })
        .expect(401);
      const unknown = await http()
        .post('/api/auth/login')
        .send({ email: uniqueEmail('ghost'), password: GOOD_PASSWORD })
        .expect(401);
      const expected = errorBody(401, 'Invalid email or password');
      expect(wrong.body).toEqual(expected);
      expect(unknown.body).toEqual(expected);
      expect(wrong.headers['set-cookie']).toBeUndefined();
      expect(unknown.headers['set-cookie']).toBeUndefined();
    });

    it('lets a password longer than 72 bytes count in full', async () => {
      const long = `${'correct-horse-'.repeat(6)}battery-A`;
      const { email } = await signUp(app, { password: long });
      await http().post('/api/auth/login').send({ email, password: long }).expect(200);
      const sameFirst72 = `${long.slice(0, 80)}DIFFERENT`;
      await http().post('/api/auth/login').send({ email, password: sameFirst72 }).expect(401);
    });

    it.each([
      ['an operator object as email', { email: { $ne: null }, password: 'x' }],
      ['an empty password', { email: 'a@b.co', password: '' }],
      ['a numeric password', { email: 'a@b.co', password: 12345678 }],
      ['an unknown field', { email: 'a@b.co', password: 'x', remember: true }],
    ])('answers 400 for %s', async (_name, body) => {
      const res = await http().post('/api/auth/login').send(body).expect(400);
      expect(typeof res.body.message).toBe('string');
    });
  });

  describe('check and the session guard', () => {
    it('returns the current user for the cookie and for a Bearer token', async () => {
      const { cookie, token, user } = await signUp(app);
      const viaCookie = await http().get('/api/auth/check').set('Cookie', cookie).expect(200);
      expect(viaCookie.body).toEqual(user);
      expect(viaCookie.headers['cache-control']).toBe('no-store');
      const viaBearer = await http()
        .get('/api/auth/check')
        .set('Authorization', `Bearer ${token}`)
        .expect(200);
      expect(viaBearer.body).toEqual(user);
    });

    it('answers 401 without a token', async () => {
      const res = await http().get('/api/auth/check').expect(401);
      expect(res.body).toEqual(errorBody(401, 'Not authenticated'));
    });

    it('answers 401 to every kind of bad token', async () => {
      const { token, user } = await signUp(app);
      const { sid } = decodePayload(token);
      const now = Math.floor(Date.now() / 1000);
      const [head, body, signature] = token.split('.');
      const tampered = `${head}.${Buffer.from(
        JSON.stringify({ ...decodePayload(token), sub: '0123456789abcdef01234567' }),
      ).toString('base64url')}.${signature}`;
      const other = await signUp(app);
      const badTokens: Record<string, string> = {
        malformed: 'not-a-jwt',
        garbage: 'a.b.c',
        'bad signature': `${head}.${body}.${signature.slice(0, -4)}AAAA`,
        tampered,
        'wrong key': forgeToken({ sub: user._id, sid, iat: now, exp: now + 600 }, { secret: 'x'.repeat(40) }),
        'alg none': forgeToken({ sub: user._id, sid, iat: now, exp: now + 600 }, { alg: 'none' }),
        expired: forgeToken(
          { sub: user._id, sid, iat: now - 1000, exp: now - 10 },
          { secret: TEST_ENV.JWT_SECRET },
        ),
        'unknown session': forgeToken(
          { sub: user._id, sid: '0123456789abcdef01234567', iat: now, exp: now + 600 },
          { secret: TEST_ENV.JWT_SECRET },
        ),
        "another user's session": forgeToken(
          { sub: user._id, sid: decodePayload(other.token).sid, iat: now, exp: now + 600 },
          { secret: TEST_ENV.JWT_SECRET },
        ),
        'non-ObjectId ids': forgeToken(
          { sub: 'admin', sid: 'x', iat: now, exp: now + 600 },
          { secret: TEST_ENV.JWT_SECRET },
        ),
        'missing claims': forgeToken({ iat: now, exp: now + 600 }, { secret: TEST_ENV.JWT_SECRET }),
      };
      for (const [kind, bad] of Object.entries(badTokens)) {
        const viaCookie = await http().get('/api/auth/check').set('Cookie', `jwt=${bad}`);
        const viaBearer = await http().get('/api/auth/check').set('Authorization', `Bearer ${bad}`);
        for (const res of [viaCookie, viaBearer]) {
          expect({ kind, status: res.status }).toEqual({ kind, status: 401 });
          expect(typeof res.body.message).toBe('string');
        }
      }
    });

    it('answers 401 once the user has been deleted', async () => {
      const { cookie, user } = await signUp(app);
      // Deleted behind the service's back (as another instance or an operator would).
      await db.collection('users').deleteOne({ _id: new Types.ObjectId(user._id) });
      await http().get('/api/auth/check').set('Cookie', cookie).expect(401);
    });
  });

  describe('logout', () => {
    it('revokes the session on the server, clears the cookie, and the token cannot be replayed', async () => {
      const { cookie, token } = await signUp(app);
      await http().get('/api/auth/check').set('Cookie', cookie).expect(200);
      const res = await http().post('/api/auth/logout').set('Cookie', cookie).expect(200);
      expect(res.body).toEqual({ message: 'Logged out successfully' });
      const cleared = ([] as string[]).concat(res.headers['set-cookie'])[0];
      expect(cleared).toMatch(/^jwt=;/);
      expect(cleared).toMatch(/Expires=Thu, 01 Jan 1970/);
      expect(cleared).toMatch(/HttpOnly/);
      expect(cleared).toMatch(/SameSite=Lax/);
      await http().get('/api/auth/check').set('Cookie', cookie).expect(401);
      await http().get('/api/auth/check').set('Authorization', `Bearer ${token}`).expect(401);
    });

    it('is idempotent: 200 without a session and with a dead token', async () => {
      await http().post('/api/auth/logout').expect(200, { message: 'Logged out successfully' });
      await http().post('/api/auth/logout').set('Cookie', 'jwt=garbage').expect(200);
    });

    it('leaves the other sessions of the user working', async () => {
      const { email, cookie: first } = await signUp(app);
      const second = sessionCookie(
        await http().post('/api/auth/login').send({ email, password: GOOD_PASSWORD }).expect(200),
      );
      await http().post('/api/auth/logout').set('Cookie', first).expect(200);
      await http().get('/api/auth/check').set('Cookie', second).expect(200);
    });
  });

  it('documents the auth routes and their schemas in the OpenAPI document', async () => {
    const doc = (await http().get('/api/docs-json').expect(200)).body;
    for (const path of ['/api/auth/signup', '/api/auth/login', '/api/auth/logout', '/api/auth/check']) {
      expect(doc.paths[path]).toBeDefined();
    }
    expect(doc.components.schemas.SignupDto.required).toEqual(
      expect.arrayContaining(['fullName', 'email', 'password']),
    );
    expect(doc.paths['/api/auth/signup'].post.responses['201']).toBeDefined();
    const signup = doc.paths['/api/auth/signup'].post.responses;
    expect(signup['409'].content['application/json'].schema.$ref).toBe(
      '#/components/schemas/ErrorResponseDto',
    );
    expect(signup['415']).toBeDefined();
    expect(signup['201'].headers['Set-Cookie']).toBeDefined();
    expect(doc.paths['/api/auth/check'].get.responses['401'].content).toBeDefined();
    expect(doc.paths['/api/auth/logout-all'].post.responses['403']).toBeDefined();
    expect(doc.components.schemas.ErrorResponseDto.required).toEqual(
      expect.arrayContaining(['statusCode', 'message', 'error']),
    );
  });
});

describe('Auth: database outage (e2e)', () => {
  it('answers 503 with Retry-After, not 401, when the session cannot be checked', async () => {
    const app = await createTestApp(EMBEDDED_DB);
    try {
      const { cookie } = await signUp(app);
      await app.get(DatabaseServer).embedded!.stop();
      const res = await request(app.getHttpServer()).get('/api/auth/check').set('Cookie', cookie).expect(503);
      expect(res.headers['retry-after']).toBeDefined();
      expect(typeof res.body.message).toBe('string');
      expect(JSON.stringify(res.body)).not.toMatch(/Mongo|ECONNREFUSED|127\.0\.0\.1/);

      // Logging out still clears the cookie, so the browser is signed out.
      const logout = await request(app.getHttpServer())
        .post('/api/auth/logout')
        .set('Cookie', cookie)
        .expect(503);
      expect(([] as string[]).concat(logout.headers['set-cookie'])[0]).toMatch(
        /^jwt=;.*Expires=Thu, 01 Jan 1970/,
      );
    } finally {
      await app.close();
    }
  });
});
