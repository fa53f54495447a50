import type { NestExpressApplication } from '@nestjs/platform-express';
import bcrypt from 'bcrypt';
import mongoose, { type Connection, Types } from 'mongoose';
import request from 'supertest';
import { EmbeddedMongo } from '../../src/database/embedded/embedded-mongo.js';
import { type AppProcess, startAppProcess } from '../support/app/app-process.js';
import { GOOD_PASSWORD } from '../support/auth.js';
import { stopChild } from '../support/app/child-process.js';
import { createTestApp, TEST_ENV } from '../support/app/test-app.js';

const OTHER_PASSWORD = 'copper-sparrow-lantern-58';

/** Accounts as the reference backend wrote them: the address as typed, plain bcrypt of the password. */
const LEGACY = {
  mixed: { email: 'Mixed.Case@Example.com', password: GOOD_PASSWORD },
  spaced: { email: '  Spaced.Out@Example.COM ', password: GOOD_PASSWORD },
  // "René" with a combining accent (not NFC) and an upper-case R.
  decomposed: { email: 'Rene\u0301@Example.com', password: GOOD_PASSWORD },
  // Collides with an account that already has the lower-case address.
  twinUpper: { email: 'Twin@Example.com', password: GOOD_PASSWORD },
  twinLower: { email: 'twin@example.com', password: OTHER_PASSWORD },
  // Two legacy accounts that differ only in case: neither has the lower-case address.
  dupA: { email: 'Dup@Example.com', password: GOOD_PASSWORD },
  dupB: { email: 'DUP@example.com', password: OTHER_PASSWORD },
} as const;
type Legacy = keyof typeof LEGACY;

/**
 * Issue 19, item 8: legacy mixed-case addresses are normalised once, at start-up, and every lookup is
 * an exact match on the normalised address (no case-insensitive regex over all users).
 */
describe('Legacy addresses with upper-case letters or spaces (e2e)', () => {
  let server: EmbeddedMongo;
  let uri: string;
  let seed: Connection;
  const ids = {} as Record<Legacy, Types.ObjectId>;
  const stored = async (name: Legacy) =>
    ((await seed.collection('users').findOne({ _id: ids[name] })) as { email: string } | null)?.email;

  beforeAll(async () => {
    server = new EmbeddedMongo();
    // Polling, as the app does for its own embedded server: the streaming heartbeat flaps here.
    uri = `${await server.start()}/legacy-case?serverMonitoringMode=poll`;
    seed = await mongoose.createConnection(uri).asPromise();
    for (const [name, { email, password }] of Object.entries(LEGACY) as Array<
      [Legacy, (typeof LEGACY)[Legacy]]
    >) {
      const now = new Date();
      const { insertedId } = await seed.collection('users').insertOne({
        email,
        fullName: `Legacy ${name}`,
        password: await bcrypt.hash(password, 4),
        profilePic: '',
        createdAt: now,
        updatedAt: now,
      });
      ids[name] = insertedId as Types.ObjectId;
    }
  });
  afterAll(async () => {
    await seed?.close();
    await server?.stop();
  });

  describe('a real process starting on them', () => {
    let app: AppProcess;
    const login = (email: string, password: string) =>
      fetch(`${app.base}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
      });

    beforeAll(async () => {
      // The tests' pepper: the hashes this process upgrades must verify in the app started next.
      app = await startAppProcess({
        MONGODB_URI: uri,
        LOG_LEVEL: 'log',
        PASSWORD_PEPPER: TEST_ENV.PASSWORD_PEPPER,
      });
      // A process of its own takes a while to compile and start on a busy machine.
    }, 120_000);
    afterAll(async () => {
      await stopChild(app);
    });

    it('rewrites each address to its normalised form, once, in place', async () => {
      expect(await stored('mixed')).toBe('mixed.case@example.com');
      expect(await stored('spaced')).toBe('spaced.out@example.com');
      expect(await stored('decomposed')).toBe('ren\u00e9@example.com');
      expect(app.output()).toMatch(/Normalised the email address of 3 legacy accounts/);
    });

    it('signs them in whatever the case typed', async () => {
      for (const email of ['mixed.case@example.com', 'MIXED.CASE@EXAMPLE.COM', 'Mixed.Case@Example.com']) {
        const res = await login(email, GOOD_PASSWORD);
        expect(res.status).toBe(200);
        expect(((await res.json()) as { email: string }).email).toBe('mixed.case@example.com');
      }
      expect((await login('SPACED.out@example.com', GOOD_PASSWORD)).status).toBe(200);
      expect((await login('RENE\u0301@example.com', GOOD_PASSWORD)).status).toBe(200);
      expect((await login('mixed.case@example.com', OTHER_PASSWORD)).status).toBe(401);
    });

    it('leaves colliding accounts alone, never merged, and reports them by id only', async () => {
      expect(await stored('twinUpper')).toBe('Twin@Example.com');
      expect(await stored('twinLower')).toBe('twin@example.com');
      expect(await stored('dupA')).toBe('Dup@Example.com');
      expect(await stored('dupB')).toBe('DUP@example.com');
      expect(await seed.collection('users').countDocuments()).toBe(Object.keys(LEGACY).length);

      const warning = app
        .output()
        .split('\n')
        .find((line) => line.includes('legacy accounts keep their email address as stored'));
      expect(warning).toContain('3 legacy accounts keep');
      for (const name of ['twinUpper', 'dupA', 'dupB'] as const) {
        expect(warning).toContain(ids[name].toHexString());
      }
      expect(warning).not.toContain(ids.twinLower.toHexString());
      expect(warning!.toLowerCase()).not.toMatch(/twin@|dup@/);
    });

    it('finds only the account whose address is exactly the normalised one', async () => {
      // The lower-case account, not its upper-case legacy twin.
      expect((await login('TWIN@example.com', OTHER_PASSWORD)).status).toBe(200);
      expect((await login('twin@example.com', GOOD_PASSWORD)).status).toBe(401);
      // Neither of two legacy accounts differing only in case is matched by a case-insensitive search.
      expect((await login('dup@example.com', GOOD_PASSWORD)).status).toBe(401);
      expect((await login('Dup@Example.com', GOOD_PASSWORD)).status).toBe(401);
      expect((await login('DUP@example.com', OTHER_PASSWORD)).status).toBe(401);
    });

    it('refuses a new account for a normalised legacy address', async () => {
      const res = await fetch(`${app.base}/api/auth/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          fullName: 'Copycat',
          email: 'MIXED.case@example.com',
          password: GOOD_PASSWORD,
        }),
      });
      expect(res.status).toBe(409);
    });
  });

  describe('an app started after them', () => {
    let app: NestExpressApplication;
    const queries: Array<{ collection: string; method: string; args: string }> = [];

    beforeAll(async () => {
      app = await createTestApp({ MONGODB_URI: uri });
      mongoose.set('debug', (collection: string, method: string, ...args: unknown[]) => {
        queries.push({ collection, method, args: JSON.stringify(args) });
      });
    });
    afterAll(async () => {
      mongoose.set('debug', false);
      await app?.close();
    });

    it('looks a signing-in address up by exact match, never by a regular expression', async () => {
      const http = () => request(app.getHttpServer());
      await http()
        .post('/api/auth/login')
        .send({ email: 'nobody@example.com', password: GOOD_PASSWORD })
        .expect(401);
      await http()
        .post('/api/auth/login')
        .send({ email: 'Mixed.Case@example.com', password: GOOD_PASSWORD })
        .expect(200);
      await http()
        .post('/api/auth/signup')
        .send({ fullName: 'New', email: 'Brand.New@Example.com', password: GOOD_PASSWORD })
        .expect(201);
      const onUsers = queries.filter((query) => query.collection === 'users');
      expect(onUsers.map((query) => query.args).join('\n')).toContain('nobody@example.com');
      expect(onUsers.filter((query) => /regex/i.test(query.args))).toEqual([]);
    });
  });
});
