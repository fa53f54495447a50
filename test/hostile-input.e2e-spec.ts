import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { forgeToken, GOOD_PASSWORD, signUp, uniqueEmail } from './support/auth.js';
import { createTestApp, TEST_ENV } from './support/test-app.js';

describe('Hostile input: known cases (e2e)', () => {
  let app: NestExpressApplication;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  describe('strings holding a lone UTF-16 surrogate (not text) answer 400', () => {
    it.each<[string, string, Record<string, unknown>]>([
      ['signup email', '/api/auth/signup', { fullName: 'Ada', email: 'a\ud800@x.io', password: GOOD_PASSWORD }],
      ['signup password', '/api/auth/signup', { fullName: 'Ada', email: uniqueEmail(), password: `${GOOD_PASSWORD}\udfff` }],
      ['login email', '/api/auth/login', { email: 'a\ud800@x.io', password: GOOD_PASSWORD }],
      ['a key', '/api/auth/login', { 'e\ud800': 'x', password: GOOD_PASSWORD }],
    ])('in the %s', async (_name, path, body) => {
      const res = await http().post(path).send(body).expect(400);
      expect(res.body).toEqual({
        statusCode: 400,
        message: 'The request body contains an invalid Unicode string',
        error: 'Bad Request',
      });
    });

    it('while a well-formed astral character (a surrogate pair) is fine', async () => {
      await http()
        .post('/api/auth/signup')
        .send({ fullName: 'Ada 🦊', email: uniqueEmail(), password: GOOD_PASSWORD })
        .expect(201);
    });
  });

  describe('a correctly signed token whose payload is not an object answers 401', () => {
    it.each<[string, unknown]>([
      ['null', null],
      ['a number', 42],
      ['an array', ['sub', 'sid']],
      ['a string', 'sub'],
      ['true', true],
    ])('%s', async (_name, payload) => {
      const token = forgeToken(payload, { secret: TEST_ENV.JWT_SECRET });
      for (const auth of [{ Cookie: `jwt=${token}` }, { Authorization: `Bearer ${token}` }]) {
        const res = await http().get('/api/auth/check').set(auth).expect(401);
        expect(res.body.message).toBe('Your session is invalid or has expired, please log in again');
      }
    });

    it('as does one whose claims are objects', async () => {
      const { user } = await signUp(app);
      const token = forgeToken(
        { sub: user._id, sid: { $ne: null }, exp: Math.floor(Date.now() / 1000) + 600 },
        { secret: TEST_ENV.JWT_SECRET },
      );
      await http().get('/api/auth/check').set('Authorization', `Bearer ${token}`).expect(401);
    });
  });
});
