import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigService } from '@nestjs/config';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { NestExpressApplication } from '@nestjs/platform-express';
import bcrypt from 'bcrypt';
import type { Connection } from 'mongoose';
import request from 'supertest';
import { PasswordHasher } from '../../src/auth/password/password-hasher.js';
import { CURRENT_HASH, GOOD_PASSWORD, sessionCookie, uniqueEmail } from '../support/auth.js';
import { createTestApp, databaseOf, EMBEDDED_DB, TEST_ENV } from '../support/app/test-app.js';
import { errorBody } from '../support/http/errors.js';

const CURRENT_SCHEME = '$hmac-sha384-bcrypt$';
const INVALID_CREDENTIALS = errorBody(401, 'Invalid email or password');

/**
 * Accounts written by the reference backend: `password` holds plain bcrypt of the raw password
 * (`$2b$` from node bcrypt, `$2a$` from bcryptjs), no pepper.
 */
describe('Auth: accounts from the reference backend (e2e)', () => {
  let app: NestExpressApplication;
  let db: Connection;
  const http = () => request(app.getHttpServer());
  const login = (email: string, password: string) => http().post('/api/auth/login').send({ email, password });
  const storedHash = async (email: string) =>
    (await db.collection('users').findOne({ email }))?.password as string;

  beforeAll(async () => {
    app = await createTestApp();
    db = databaseOf(app);
  });
  afterAll(async () => {
    await app.close();
  });

  /** A user document as the reference backend writes it, with `hash` as its password. */
  async function insertUser(hash: string) {
    const email = uniqueEmail('legacy');
    const now = new Date();
    await db.collection('users').insertOne({
      email,
      fullName: 'Legacy User',
      password: hash,
      profilePic: '',
      createdAt: now,
      updatedAt: now,
    });
    return email;
  }

  async function insertReferenceUser(minor: 'a' | 'b') {
    const hash = await bcrypt.hash(GOOD_PASSWORD, await bcrypt.genSalt(10, minor));
    expect(hash.startsWith(`$2${minor}$10$`)).toBe(true);
    return { email: await insertUser(hash), hash };
  }

  /** The upgrade is written after the response has gone out. */
  async function waitForHashChange(email: string, from: string): Promise<string> {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const current = await storedHash(email);
      if (current !== from || Date.now() > deadline) return current;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  describe.each(['b', 'a'] as const)('with a bcrypt hash of version 2%s at cost 10', (minor) => {
    it('signs in with the raw password and upgrades the stored hash to the current scheme', async () => {
      const { email, hash } = await insertReferenceUser(minor);
      expect((await login(email, 'not-the-password').expect(401)).body).toEqual(INVALID_CREDENTIALS);
      expect(await storedHash(email)).toBe(hash);

      const res = await login(email, GOOD_PASSWORD).expect(200);
      expect(res.body).toMatchObject({ email, fullName: 'Legacy User', profilePic: '' });
      expect(JSON.stringify(res.body)).not.toMatch(/password|\$2[aby]\$|hmac/i);
      await http().get('/api/auth/check').set('Cookie', sessionCookie(res)).expect(200);

      const upgraded = await waitForHashChange(email, hash);
      expect(upgraded).toMatch(CURRENT_HASH);
      expect(upgraded.startsWith(CURRENT_SCHEME)).toBe(true);

      const again = await login(email, GOOD_PASSWORD).expect(200);
      sessionCookie(again);
      expect(JSON.stringify(again.body)).not.toMatch(/password|\$2[aby]\$|hmac/i);
      expect((await login(email, 'not-the-password').expect(401)).body).toEqual(INVALID_CREDENTIALS);
      // Already current: nothing left to upgrade.
      expect(await storedHash(email)).toBe(upgraded);
    });

    it('never returns the hash from the account routes either', async () => {
      const { email, hash } = await insertReferenceUser(minor);
      const cookie = sessionCookie(await login(email, GOOD_PASSWORD).expect(200));
      for (const path of ['/api/auth/check', '/api/users/me']) {
        const res = await http().get(path).set('Cookie', cookie).expect(200);
        expect(JSON.stringify(res.body)).not.toContain(hash);
        expect(JSON.stringify(res.body)).not.toMatch(/password|\$2[aby]\$|hmac/i);
      }
    });
  });

  it('re-hashes a current-scheme hash made at another cost with the configured cost', async () => {
    const atCost5 = await new PasswordHasher(
      new ConfigService({ auth: { bcryptCost: 5, passwordPepper: TEST_ENV.PASSWORD_PEPPER } }),
      new EventEmitter2(),
    ).hash(GOOD_PASSWORD);
    const email = await insertUser(atCost5);

    await login(email, GOOD_PASSWORD).expect(200);
    expect(await waitForHashChange(email, atCost5)).toMatch(CURRENT_HASH);
  });
});

describe('Auth: reference accounts whose email has upper-case letters (e2e)', () => {
  it('finds them whatever the case typed, and refuses a second account for the same address', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'legacy-case-'));
    const env = { ...EMBEDDED_DB, NODE_ENV: 'development', DATA_DIR: dataDir };
    try {
      const seeding = await createTestApp(env);
      await databaseOf(seeding)
        .collection('users')
        .insertOne({
          email: 'Mixed.Case@Example.com',
          fullName: 'Legacy Mixed',
          password: await bcrypt.hash('abcdef', 4),
          profilePic: '',
          createdAt: new Date(),
          updatedAt: new Date(),
        });
      await seeding.close();

      // The next boot notices the mixed-case address.
      const app = await createTestApp(env);
      try {
        const http = () => request(app.getHttpServer());
        const res = await http()
          .post('/api/auth/login')
          .send({ email: 'mixed.case@example.com', password: 'abcdef' })
          .expect(200);
        expect(res.body.email).toBe('mixed.case@example.com'); // normalised at start-up (issue 19)
        await http()
          .post('/api/auth/login')
          .send({ email: 'MIXED.case@example.com', password: 'wrong-one' })
          .expect(401);
        const again = await http()
          .post('/api/auth/signup')
          .send({ fullName: 'Copycat', email: 'MIXED.CASE@example.com', password: GOOD_PASSWORD })
          .expect(409);
        expect(again.body.message).toBe('Email already exists');
      } finally {
        await app.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
