import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Socket } from 'socket.io-client';
import request from 'supertest';
import { createOpenApiDocument } from '../../src/api-docs/swagger.js';
import { DatabaseServer } from '../../src/database/database-server.js';
import {
  decodePayload,
  GOOD_PASSWORD,
  sessionCookie,
  signUp,
  tokenOf,
  WRONG_PASSWORD,
} from '../support/auth.js';
import { errorBody } from '../support/http/errors.js';
import { connectWithCookie, listenOnFreePort } from '../support/sockets.js';
import { createTestApp, EMBEDDED_DB } from '../support/app/test-app.js';

const ENABLED = { METRICS_ENABLED: 'true' };
const METRICS_TOKEN = 'scrape-token-0123456789abcdef';
const DURATION = 'chat_auth_http_request_duration_seconds';

/** One sample line of the text format: `name{label="value",...} number`. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a scrape (comment lines skipped); enough of the format for our own output. */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key] = value;
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** A scrape, read: `value(name, labels)` is the sample whose labels include `labels`, or undefined. */
class Scrape {
  constructor(readonly samples: Sample[]) {}

  value(name: string, labels: Record<string, string> = {}): number | undefined {
    const found = this.samples.filter(
      (sample) =>
        sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
    );
    if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} names ${found.length} series`);
    return found[0]?.value;
  }

  has(name: string): boolean {
    return this.samples.some((sample) => sample.name === name);
  }
}

async function scrape(app: NestExpressApplication, token?: string): Promise<Scrape> {
  const req = request(app.getHttpServer()).get('/api/metrics');
  if (token) req.set('Authorization', `Bearer ${token}`);
  const res = await req.expect(200);
  return new Scrape(parseMetrics(res.text));
}

const logins = (metrics: Scrape) =>
  Object.fromEntries(
    ['success', 'failure', 'locked', 'rate_limited'].map((result) => [
      result,
      metrics.value('chat_auth_logins_total', { result }),
    ]),
  );

describe('Metrics: what a scrape reports (e2e)', () => {
  let app: NestExpressApplication;
  const http = () => request(app.getHttpServer());
  const login = (email: string, password: string) => http().post('/api/auth/login').send({ email, password });

  beforeAll(async () => {
    app = await createTestApp(ENABLED);
  });
  afterAll(async () => {
    await app.close();
  });

  it('counts sign-ins, signups, revoked sessions and requests of this app, in the Prometheus text format', async () => {
    const signedUp = await signUp(app);
    await login(signedUp.email, WRONG_PASSWORD).expect(401);
    const laptop = sessionCookie(await login(signedUp.email, GOOD_PASSWORD).expect(200));
    const phone = sessionCookie(await login(signedUp.email, GOOD_PASSWORD).expect(200));
    await http().post('/api/auth/logout').set('Cookie', laptop).expect(200);
    const phoneSession = decodePayload(tokenOf(phone)).sid as string;
    await http().delete(`/api/auth/sessions/${phoneSession}`).set('Cookie', signedUp.cookie).expect(204);
    await http().get('/api/no-such-route').expect(404);
    await http()
      .get(`/no-such-route/${'x'.repeat(20)}`)
      .expect(404);
    await http().get('/api/auth/check').expect(401);
    await http()
      .post('/api/auth/login')
      .set('Content-Type', 'application/json')
      .send('{"email":')
      .expect(400);

    const res = await http().get('/api/metrics').expect(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const metrics = new Scrape(parseMetrics(res.text));

    expect(logins(metrics)).toEqual({ success: 2, failure: 1, locked: 0, rate_limited: 0 });
    expect(metrics.value('chat_auth_signups_total')).toBe(1);
    expect(metrics.value('chat_auth_sessions_revoked_total')).toBe(2);
    const count = (method: string, route: string, status: string) =>
      metrics.value(`${DURATION}_count`, { method, route, status });
    expect(count('POST', '/api/auth/signup', '2xx')).toBe(1);
    expect(count('POST', '/api/auth/login', '2xx')).toBe(2);
    // The wrong password, and the malformed body (parsed once the route is known).
    expect(count('POST', '/api/auth/login', '4xx')).toBe(2);
    expect(count('POST', '/api/auth/logout', '2xx')).toBe(1);
    expect(count('DELETE', '/api/auth/sessions/:id', '2xx')).toBe(1);
    // Refused by the session guard: its route is known.
    expect(count('GET', '/api/auth/check', '4xx')).toBe(1);
    // Unknown paths share one series, whatever they are.
    expect(count('GET', 'unmatched', '4xx')).toBe(2);
    expect(count('POST', 'unmatched', '4xx')).toBeUndefined();
    expect(metrics.samples.filter((sample) => sample.labels.route?.includes('no-such-route'))).toEqual([]);
    expect(
      metrics.value(`${DURATION}_bucket`, {
        method: 'POST',
        route: '/api/auth/login',
        status: '2xx',
        le: '+Inf',
      }),
    ).toBe(2);

    // One verify per password check; one hash per signup (the start-up's dummy hash for the
    // unknown-email check is counted too, whenever it ends: hence the difference below).
    expect(metrics.value('chat_auth_bcrypt_duration_seconds_count', { operation: 'verify' })).toBe(3);
    const hashes = async () =>
      (await scrape(app)).value('chat_auth_bcrypt_duration_seconds_count', { operation: 'hash' }) ??
      Number.NaN;
    const hashesBefore = await hashes();
    await signUp(app);
    expect((await hashes()) - hashesBefore).toBe(1);
    expect(metrics.value('chat_auth_bcrypt_queue_length')).toBe(0);
    expect(metrics.value('chat_auth_database_errors_total', { kind: 'unavailable' })).toBe(0);
    expect(metrics.value('chat_auth_sockets_connected')).toBe(0);
    expect(metrics.value('chat_auth_messages_sent_total')).toBe(0);

    // The process's own metrics, under prom-client's standard names.
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(metrics.has(name), name).toBe(true);
    }
  });

  it('counts hits and misses of the session cache, and their ratio', async () => {
    const { cookie } = await signUp(app);
    const cache = (metrics: Scrape, result: string) =>
      metrics.value('chat_auth_cache_requests_total', { cache: 'sessions', result }) ?? 0;
    const before = await scrape(app);

    // The first request of a new session reads it from the database, the next one from memory.
    await http().get('/api/auth/check').set('Cookie', cookie).expect(200);
    await http().get('/api/auth/check').set('Cookie', cookie).expect(200);

    const after = await scrape(app);
    expect(cache(after, 'miss') - cache(before, 'miss')).toBe(1);
    expect(cache(after, 'hit') - cache(before, 'hit')).toBe(1);
    const ratio = after.value('chat_auth_cache_hit_ratio', { cache: 'sessions' });
    expect(ratio).toBeCloseTo(cache(after, 'hit') / (cache(after, 'hit') + cache(after, 'miss')), 10);
  });
});

describe('Metrics: sign-ins refused by the limits (e2e)', () => {
  let app: NestExpressApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('counts a sign-in refused by the per-client limit as rate_limited; scrapes do not use that budget', async () => {
    app = await createTestApp({ ...ENABLED, RATE_LIMIT_AUTH_PER_MINUTE: '2' });
    const http = () => request(app!.getHttpServer());
    // More scrapes than the limit: none of them counts against it.
    for (let i = 0; i < 3; i++) await scrape(app);

    await http()
      .post('/api/auth/login')
      .send({ email: 'nobody@example.com', password: WRONG_PASSWORD })
      .expect(401);
    await http()
      .post('/api/auth/token')
      .send({ email: 'nobody@example.com', password: WRONG_PASSWORD })
      .expect(400);
    await http()
      .post('/api/auth/login')
      .send({ email: 'nobody@example.com', password: WRONG_PASSWORD })
      .expect(429);

    const metrics = await scrape(app);
    expect(logins(metrics)).toEqual({ success: 0, failure: 2, locked: 0, rate_limited: 1 });
    expect(
      metrics.value(`${DURATION}_count`, { method: 'POST', route: '/api/auth/login', status: '4xx' }),
    ).toBe(2);
  });

  it('counts a sign-in refused by the per-account limit as locked', async () => {
    app = await createTestApp({ ...ENABLED, RATE_LIMIT_AUTH_PER_MINUTE: '1000' });
    const { email } = await signUp(app);
    const login = (password: string) =>
      request(app!.getHttpServer()).post('/api/auth/login').send({ email, password });
    for (let i = 0; i < 5; i++) await login(WRONG_PASSWORD).expect(401);
    await login(GOOD_PASSWORD).expect(429);

    expect(logins(await scrape(app))).toEqual({ success: 0, failure: 5, locked: 1, rate_limited: 0 });
  });
});

describe('Metrics: protection (e2e)', () => {
  let app: NestExpressApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('has no route, and no place in the OpenAPI document, without METRICS_ENABLED', async () => {
    app = await createTestApp();
    const res = await request(app.getHttpServer()).get('/api/metrics').expect(404);
    expect(res.body).toEqual(errorBody(404, 'Cannot GET /api/metrics'));
    expect(createOpenApiDocument(app).paths['/api/metrics']).toBeUndefined();
  });

  it('is documented in the OpenAPI document when enabled', async () => {
    app = await createTestApp(ENABLED);
    const responses = createOpenApiDocument(app).paths['/api/metrics']?.get?.responses ?? {};
    expect(Object.keys(responses)).toEqual(expect.arrayContaining(['200', '401']));
    expect(Object.keys((responses['200'] as { content?: object }).content ?? {})).toEqual(['text/plain']);
  });

  it('with METRICS_TOKEN, answers 401 unless the request carries it as a Bearer token', async () => {
    app = await createTestApp({ ...ENABLED, METRICS_TOKEN });
    const get = () => request(app!.getHttpServer()).get('/api/metrics');
    const refusals = [
      await get(),
      await get().set('Authorization', 'Bearer not-the-metrics-token-at-all'),
      await get().set('Authorization', `Bearer ${METRICS_TOKEN}x`),
      await get().set('Authorization', `Basic ${Buffer.from(`:${METRICS_TOKEN}`).toString('base64')}`),
    ];
    for (const res of refusals) {
      expect(res.status).toBe(401);
      expect(res.body).toEqual(errorBody(401, 'A valid metrics token is required'));
      expect(res.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    }
    expect((await scrape(app, METRICS_TOKEN)).has('chat_auth_logins_total')).toBe(true);
  });

  it('needs no session and is not refused with a foreign Origin, even with a session cookie', async () => {
    app = await createTestApp(ENABLED);
    const { cookie } = await signUp(app);
    for (const headers of [
      {},
      { Origin: 'https://evil.example' },
      { Origin: 'https://evil.example', Cookie: cookie },
    ]) {
      const res = await request(app.getHttpServer()).get('/api/metrics').set(headers).expect(200);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
  });

  it('keeps the counts of each app apart when several share a process', async () => {
    app = await createTestApp(ENABLED);
    await signUp(app);
    expect((await scrape(app)).value('chat_auth_signups_total')).toBe(1);
    await app.close();

    app = await createTestApp(ENABLED);
    const second = await scrape(app);
    expect(second.value('chat_auth_signups_total')).toBe(0);
    expect(second.has('process_cpu_user_seconds_total')).toBe(true);
  });
});

describe('Metrics: chat and database (e2e)', () => {
  let app: NestExpressApplication | undefined;
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.disconnect();
    await app?.close();
    app = undefined;
  });

  it('reports the sockets connected to this instance and counts messages sent', async () => {
    app = await createTestApp(ENABLED);
    const baseUrl = await listenOnFreePort(app);
    const alice = await signUp(app);
    const bob = await signUp(app);
    sockets.push(await connectWithCookie(baseUrl, alice.cookie));
    expect((await scrape(app)).value('chat_auth_sockets_connected')).toBe(1);

    await request(app.getHttpServer())
      .post(`/api/messages/send/${bob.user._id}`)
      .set('Cookie', alice.cookie)
      .send({ text: 'Hi Bob' })
      .expect(201);
    expect((await scrape(app)).value('chat_auth_messages_sent_total')).toBe(1);

    // Logout ends the session's sockets before it answers.
    await request(app.getHttpServer()).post('/api/auth/logout').set('Cookie', alice.cookie).expect(200);
    expect((await scrape(app)).value('chat_auth_sockets_connected')).toBe(0);
  });

  it('counts requests that failed because the database is unreachable', async () => {
    app = await createTestApp({ ...ENABLED, ...EMBEDDED_DB });
    const login = () =>
      request(app!.getHttpServer())
        .post('/api/auth/login')
        .send({ email: 'a@example.com', password: WRONG_PASSWORD });
    await login().expect(401);
    await app.get(DatabaseServer).embedded!.stop();
    await login().expect(503);

    const metrics = await scrape(app);
    expect(metrics.value('chat_auth_database_errors_total', { kind: 'unavailable' })).toBe(1);
    expect(metrics.value('chat_auth_database_errors_total', { kind: 'query' })).toBe(0);
    expect(
      metrics.value(`${DURATION}_count`, { method: 'POST', route: '/api/auth/login', status: '5xx' }),
    ).toBe(1);
  });
});
