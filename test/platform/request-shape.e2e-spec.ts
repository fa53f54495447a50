import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { signUp } from '../support/auth.js';
import { createTestApp } from '../support/app/test-app.js';

/**
 * Requests and responses are born with every property the pipeline adds to them on the hot routes
 * (src/server/http-adapter.ts): a property added after Express swapped the request's prototype costs
 * V8 a new hidden class per request, a quarter of what check-auth allocated.
 */
const CONTRACT_CHECK = new Set(['writeHead', 'write', 'end']);

describe('Platform: the shape of requests and responses (e2e)', () => {
  let app: NestExpressApplication;
  const added: Array<{ url: string; request: string[]; response: string[] }> = [];

  beforeAll(async () => {
    app = await createTestApp();
    const server = app.getHttpServer() as Server;
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      // The tests' OpenAPI contract check wraps these (test/support/app/openapi-contract.ts).
      const own = (target: object) => Object.keys(target).filter((key) => !CONTRACT_CHECK.has(key));
      const before = { request: new Set(own(req)), response: new Set(own(res)) };
      res.on('finish', () =>
        added.push({
          url: `${req.method} ${req.url}`,
          request: own(req).filter((key) => !before.request.has(key)),
          response: own(res).filter((key) => !before.response.has(key)),
        }),
      );
    });
  });
  afterAll(() => app?.close());

  it('adds no property to a request or its response from signup to check-auth and logout', async () => {
    const { cookie } = await signUp(app);
    await request(app.getHttpServer()).get('/api/auth/check').set('Cookie', cookie).expect(200);
    await request(app.getHttpServer()).get('/api/auth/check').expect(401);
    await request(app.getHttpServer()).get('/api/health').expect(200);
    await request(app.getHttpServer()).post('/api/auth/logout').set('Cookie', cookie).expect(200);

    expect(added.map(({ url }) => url)).toEqual([
      'POST /api/auth/signup',
      'GET /api/auth/check',
      'GET /api/auth/check',
      'GET /api/health',
      'POST /api/auth/logout',
    ]);
    for (const shape of added) expect(shape).toEqual({ url: shape.url, request: [], response: [] });
  });
});
