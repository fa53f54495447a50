import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { WRONG_PASSWORD } from '../support/auth.js';
import { createTestApp } from '../support/app/test-app.js';
import { RawClient } from '../support/http/raw-http.js';
import { listenOnFreePort } from '../support/sockets.js';

/** The auth rate limit is a guard that runs before the body is read, like the session check. */
describe('Platform: a request over the auth rate limit (e2e)', () => {
  let app: NestExpressApplication;
  let port: number;
  let client: RawClient | undefined;

  beforeAll(async () => {
    app = await createTestApp({ RATE_LIMIT_AUTH_PER_MINUTE: '2' });
    port = Number(new URL(await listenOnFreePort(app)).port);
  });
  afterAll(async () => {
    client?.close();
    await app?.close();
  });

  it('is answered 429 before its body is sent', async () => {
    const login = { email: 'nobody@example.com', password: WRONG_PASSWORD };
    for (let i = 0; i < 2; i++) {
      await request(app.getHttpServer()).post('/api/auth/login').send(login).expect(401);
    }
    client = new RawClient(port);
    client.send(
      'POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
        'Content-Length: 4000\r\n\r\n{"email":"nobody@example.com"',
    );
    const [response] = await client.responses(1, 10_000);
    expect(response.status).toBe('HTTP/1.1 429 Too Many Requests');
  });
});
