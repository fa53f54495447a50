import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { inject } from 'vitest';
import { freePort } from '../support/http/free-port.js';
import { uniqueKeyPrefix } from '../support/db/redis.js';
import { createTestApp } from '../support/app/test-app.js';

const redisUrl = inject('redisUrl');

/** The reports with REDIS_URL set; the contract checks each body against the documented schema. */
describe('Health with REDIS_URL (e2e)', () => {
  let app: NestExpressApplication | undefined;
  const health = () => request(app!.getHttpServer()).get('/api/health').expect(200);

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('answers 200 "degraded" while Redis does not answer: the instance keeps serving', async () => {
    // Nothing listens on this port: every connection attempt is refused.
    const deadRedis = `redis://127.0.0.1:${await freePort()}`;
    app = await createTestApp({ REDIS_URL: deadRedis, REDIS_KEY_PREFIX: uniqueKeyPrefix() });
    const res = await health();
    expect(res.body).toEqual({
      status: 'degraded',
      info: {
        database: expect.objectContaining({ status: 'up' }),
        redis: { status: 'degraded', message: expect.stringMatching(/^Redis is not connected: /) },
      },
      error: {},
      details: res.body.info,
    });
  });

  it.skipIf(!redisUrl)('answers 200 "ok" with Redis up once cache invalidations are subscribed', async () => {
    app = await createTestApp({ REDIS_URL: redisUrl, REDIS_KEY_PREFIX: uniqueKeyPrefix() });
    await vi.waitFor(async () => expect((await health()).body.status).toBe('ok'), {
      timeout: 10_000,
      interval: 100,
    });
    const res = await health();
    expect(res.body.info).toEqual({
      database: expect.objectContaining({ status: 'up' }),
      redis: { status: 'up' },
    });
  });
});
