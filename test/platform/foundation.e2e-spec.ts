import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { DatabaseServer } from '../../src/database/database-server.js';
import { createTestApp, databaseOf, EMBEDDED_DB } from '../support/app/test-app.js';
import { errorBody } from '../support/http/errors.js';

describe('Foundation (e2e)', () => {
  let app: NestExpressApplication;

  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  it('reports health 200 when the database answers', async () => {
    const res = await request(app.getHttpServer()).get('/api/health').expect(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.info.database.status).toBe('up');
  });

  it('sends security headers and no X-Powered-By', async () => {
    const res = await request(app.getHttpServer()).get('/api/health');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toBeDefined();
  });

  it('answers an unknown route with a 404 in the one error shape', async () => {
    const res = await request(app.getHttpServer()).get('/api/nope').expect(404);
    expect(res.body).toEqual(errorBody(404, 'Cannot GET /api/nope'));
  });

  it('answers an unknown path outside /api with the same JSON 404', async () => {
    const res = await request(app.getHttpServer()).get('/nope').expect(404);
    expect(res.body).toEqual(errorBody(404, 'Cannot GET /nope'));
  });

  it('answers malformed JSON with 400 and a string message', async () => {
    const res = await request(app.getHttpServer())
      .post('/api/auth/login')
      .set('Content-Type', 'application/json')
      .send('{"email": ')
      .expect(400);
    expect(res.body).toEqual(errorBody(400, 'The request body is not valid JSON'));
  });

  it('answers a JSON body over 100 kB with 413', async () => {
    const res = await request(app.getHttpServer())
      .post('/api/auth/login')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ email: 'a@b.co', password: 'x'.repeat(110 * 1024) }))
      .expect(413);
    expect(res.body).toEqual(errorBody(413, 'The request body is too large'));
  });

  it.each([
    ['an array', '[1,2]', 'The request body must be a JSON object'],
    ['null', 'null', 'The request body must be a JSON object'],
    ['a string', '"abc"', 'The request body must be a JSON object'],
    [
      'deep nesting',
      `{"email":${'{"a":'.repeat(3000)}1${'}'.repeat(3000)},"password":"x"}`,
      'The request body is nested too deeply',
    ],
    [
      'deep arrays',
      `{"email":${'['.repeat(20000)}${']'.repeat(20000)}}`,
      'The request body is nested too deeply',
    ],
    [
      'a __proto__ key',
      '{"email":"a@b.co","password":"x","__proto__":{"admin":true}}',
      '__proto__ is not an allowed field',
    ],
    [
      'a nested constructor key',
      '{"email":{"constructor":{"x":1}},"password":"x"}',
      'constructor is not an allowed field',
    ],
  ])('answers 400 to a JSON body that is %s', async (_name, raw, message) => {
    const res = await request(app.getHttpServer())
      .post('/api/auth/login')
      .set('Content-Type', 'application/json')
      .send(raw)
      .expect(400);
    expect(res.body).toEqual(errorBody(400, message));
  });

  it('refuses compressed bodies with 415', async () => {
    const res = await request(app.getHttpServer())
      .post('/api/auth/login')
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'gzip')
      .send('xxxx')
      .expect(415);
    expect(typeof res.body.message).toBe('string');
    expect(res.body.message).not.toMatch(/header check/);
  });

  it('refuses bodies that are not JSON with 415', async () => {
    const res = await request(app.getHttpServer())
      .post('/api/auth/login')
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send('email=a@b.co&password=x')
      .expect(415);
    expect(res.body.message).toBe('Content-Type must be application/json');
  });

  it('allows CORS with credentials for a configured origin', async () => {
    const res = await request(app.getHttpServer())
      .options('/api/auth/login')
      .set('Origin', 'http://localhost:5173')
      .set('Access-Control-Request-Method', 'POST')
      .expect(204);
    expect(res.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    expect(res.headers['access-control-allow-credentials']).toBe('true');
  });

  it('gives a foreign origin no CORS allow headers', async () => {
    const res = await request(app.getHttpServer())
      .options('/api/auth/login')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'POST');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('serves the Swagger UI and the OpenAPI document', async () => {
    await request(app.getHttpServer()).get('/api/docs').expect(200).expect('Content-Type', /html/);
    const res = await request(app.getHttpServer()).get('/api/docs-json').expect(200);
    expect(res.body.openapi).toMatch(/^3\./);
    // Only schemes Swagger UI can use: a page cannot set the HttpOnly session cookie.
    expect(Object.keys(res.body.components.securitySchemes).sort()).toEqual(['bearer', 'oauth2']);
    expect(res.body.components.securitySchemes.oauth2.flows.password.tokenUrl).toBe('/api/auth/token');
  });
});

describe('Foundation: database outage (e2e)', () => {
  it('reports health 503 once the embedded server is gone', async () => {
    const app = await createTestApp(EMBEDDED_DB);
    try {
      await request(app.getHttpServer()).get('/api/health').expect(200);
      await app.get(DatabaseServer).embedded!.stop();
      const res = await request(app.getHttpServer()).get('/api/health').expect(503);
      expect(res.body).toMatchObject(errorBody(503, expect.any(String)));
      expect(res.headers['retry-after']).toBe('5');
    } finally {
      await app.close();
    }
  });
});

describe('Foundation: configuration (e2e)', () => {
  const production = {
    NODE_ENV: 'production',
    MONGODB_URI: 'mongodb://127.0.0.1:1/x',
    MEDIA_PUBLIC_URL: 'https://api.example.com/media',
  };
  const longSecret = 'a'.repeat(40);

  it.each([
    [{ ...production, JWT_SECRET: undefined, PASSWORD_PEPPER: longSecret }, /JWT_SECRET is required/],
    [
      { ...production, JWT_SECRET: 'short', PASSWORD_PEPPER: longSecret },
      /JWT_SECRET must be at least 32 bytes/,
    ],
    [
      {
        ...production,
        JWT_SECRET: 'change-me-to-a-random-string-of-at-least-32-bytes',
        PASSWORD_PEPPER: longSecret,
      },
      /JWT_SECRET is still the .env.example placeholder/,
    ],
    [
      { ...production, MONGODB_URI: '', JWT_SECRET: longSecret, PASSWORD_PEPPER: longSecret },
      /MONGODB_URI is required/,
    ],
    [
      { ...production, MEDIA_PUBLIC_URL: '', JWT_SECRET: longSecret, PASSWORD_PEPPER: longSecret },
      /MEDIA_PUBLIC_URL is required/,
    ],
    [{ PORT: 'eighty' }, /PORT must be an integer/],
    [{ JWT_EXPIRES_IN: '0' }, /JWT_EXPIRES_IN must be at least 60 seconds/],
    [{ JWT_EXPIRES_IN: 'forever' }, /JWT_EXPIRES_IN must be a number of seconds/],
    [{ COOKIE_SAMESITE: 'sometimes' }, /COOKIE_SAMESITE must be one of/],
    [{ CORS_ORIGINS: 'http://ok.example,not a url' }, /CORS_ORIGINS/],
    [{ REDIS_URL: 'localhost:6379' }, /REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/],
    [{ REDIS_KEY_PREFIX: 'has space' }, /REDIS_KEY_PREFIX must be/],
  ])('refuses to boot with %o', async (env, message) => {
    await expect(createTestApp(env)).rejects.toThrow(message);
  });
});

describe('Foundation: embedded database (e2e)', () => {
  it('enforces a unique index under 20 concurrent inserts', async () => {
    const app = await createTestApp(EMBEDDED_DB);
    try {
      const connection = databaseOf(app);
      const collection = connection.collection('unique_probe');
      await collection.createIndex({ key: 1 }, { unique: true });
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, () => collection.insertOne({ key: 'same' })),
      );
      const rejected = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
      expect(results.length - rejected.length).toBe(1);
      expect(rejected.every((r) => (r.reason as { code?: number }).code === 11000)).toBe(true);
      expect(await collection.countDocuments({ key: 'same' })).toBe(1);
    } finally {
      await app.close();
    }
  });

  it('enforces unique indexes in every embedded server of the process, not just the first', async () => {
    for (let round = 0; round < 2; round++) {
      const app = await createTestApp(EMBEDDED_DB);
      try {
        const collection = databaseOf(app).collection('unique_again');
        await collection.createIndex({ key: 1 }, { unique: true });
        const indexes = await collection.listIndexes().toArray();
        expect(indexes.find((index) => index.name === 'key_1')).toMatchObject({ unique: true });
        await collection.insertOne({ key: 'same' });
        await expect(collection.insertOne({ key: 'same' })).rejects.toMatchObject({ code: 11000 });
        await collection.dropIndex('key_1');
        await collection.insertOne({ key: 'same' });
        expect(await collection.countDocuments({ key: 'same' })).toBe(2);
      } finally {
        await app.close();
      }
    }
  });

  it('keeps data across a restart with the same DATA_DIR', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'chat-auth-data-'));
    const env = { ...EMBEDDED_DB, NODE_ENV: 'development', DATA_DIR: dataDir };
    try {
      const first = await createTestApp(env);
      const when = new Date('2026-01-02T03:04:05Z');
      await databaseOf(first).collection('restart_probe').insertOne({ when });
      await first.close();

      const second = await createTestApp(env);
      const doc = await databaseOf(second).collection('restart_probe').findOne({ when });
      await second.close();
      expect(doc?.when).toEqual(when);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
