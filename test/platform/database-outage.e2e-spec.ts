import type { NestExpressApplication } from '@nestjs/platform-express';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { GOOD_PASSWORD, signUp, uniqueEmail } from '../support/auth.js';
import { type Child, freePort, stopChild, waitUntil } from '../support/app/child-process.js';
import { createTestApp } from '../support/app/test-app.js';
import { startDatabaseProcess } from '../support/db/database-process.js';

/** The guarantee: a lost database is a 503 with Retry-After within this time, never a hang or a 500. */
const OUTAGE_ANSWER_MS = 5000;
/** And once it is back, the app serves again within this time, without a restart. */
const RECOVERY_MS = 5000;

/**
 * A real outage: the database is a separate process on a fixed port, killed with SIGKILL and started
 * again on the same port, while the app keeps running with MONGODB_URI pointing at it.
 */
describe('Reliability: database outage (e2e)', () => {
  let port: number;
  let dataDir: string;
  let database: Child | undefined;
  let app: NestExpressApplication;
  const http = () => request(app.getHttpServer());

  const startDatabase = async () => {
    database = await startDatabaseProcess(port, dataDir);
  };

  beforeAll(async () => {
    port = await freePort();
    dataDir = await mkdtemp(join(tmpdir(), 'outage-db-'));
    await startDatabase();
    app = await createTestApp({
      MONGODB_URI: `mongodb://127.0.0.1:${port}/outage?serverMonitoringMode=poll`,
    });
  }, 90_000);

  afterAll(async () => {
    await app?.close();
    await stopChild(database);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('answers 503 with Retry-After within 5 s while the database is down, and recovers by itself when it returns', async () => {
    const existing = await signUp(app);
    const other = await signUp(app);
    await http().get('/api/health').expect(200);
    // No pause before the kill: an acknowledged signup is on disk already.
    database!.process.kill('SIGKILL');
    await database!.exited;

    const attempts = {
      health: () => http().get('/api/health'),
      signup: () =>
        http()
          .post('/api/auth/signup')
          .send({ fullName: 'During Outage', email: uniqueEmail('outage'), password: GOOD_PASSWORD }),
      login: () => http().post('/api/auth/login').send({ email: other.email, password: GOOD_PASSWORD }),
      // This session was never checked, so no cache can answer for the database.
      check: () => http().get('/api/auth/check').set('Cookie', existing.cookie),
      rename: () =>
        http().patch('/api/users/me').set('Cookie', existing.cookie).send({ fullName: 'Renamed' }),
      sessions: () => http().get('/api/auth/sessions').set('Authorization', `Bearer ${existing.token}`),
      password: () =>
        http()
          .put('/api/auth/password')
          .set('Authorization', `Bearer ${existing.token}`)
          .send({ currentPassword: GOOD_PASSWORD, newPassword: 'another-violet-kettle-7' }),
    };
    const answers = await Promise.all(
      Object.entries(attempts).map(async ([name, attempt]) => {
        const started = Date.now();
        const res = await attempt().timeout(OUTAGE_ANSWER_MS + 2000);
        return {
          name,
          status: res.status,
          retryAfter: res.headers['retry-after'],
          body: res.body,
          ms: Date.now() - started,
        };
      }),
    );
    for (const answer of answers) {
      expect(answer, answer.name).toMatchObject({ status: 503, retryAfter: '5' });
      expect(answer.ms, answer.name).toBeLessThan(OUTAGE_ANSWER_MS);
      expect(typeof answer.body.message).toBe('string');
      expect(JSON.stringify(answer.body)).not.toMatch(/Mongo|ECONNREFUSED|127\.0\.0\.1/);
    }

    await startDatabase();
    const back = Date.now();
    await waitUntil(async () => (await http().get('/api/health')).status === 200, RECOVERY_MS, 'recovery');
    expect(Date.now() - back).toBeLessThan(RECOVERY_MS);

    // Nothing the refused requests asked for happened.
    const me = await http().get('/api/auth/check').set('Cookie', existing.cookie).expect(200);
    expect(me.body.fullName).toBe(existing.user.fullName);
    await http().post('/api/auth/login').send({ email: existing.email, password: GOOD_PASSWORD }).expect(200);
    await http().post('/api/auth/login').send({ email: other.email, password: GOOD_PASSWORD }).expect(200);
    await signUp(app);
  }, 120_000);
});
