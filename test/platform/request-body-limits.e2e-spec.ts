import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { BODY_APART_FROM_PICTURE_TOO_LARGE } from '../../src/common/http/body-errors.js';
import { SESSION_INVALID } from '../../src/common/openapi/api-session.decorator.js';
import { signUp, WRONG_PASSWORD } from '../support/auth.js';
import { dataUri, pngOfSize } from '../support/images.js';
import { listenOnFreePort } from '../support/sockets.js';
import { createTestApp } from '../support/app/test-app.js';
import { errorBody } from '../support/http/errors.js';
import { RawClient } from '../support/http/raw-http.js';

const MEDIA_MAX_BYTES = 5 * 1024 * 1024;
const SEVEN_MB = 7 * 1024 * 1024;
const JUNK_COOKIE = 'jwt=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.junk';

/**
 * Bodies are read after the session check on guarded routes, and each route's limit fits what it
 * takes: kilobytes for a text message, the media limit only for the picture of a message or avatar.
 */
describe('Platform: request body limits (e2e)', () => {
  let app: NestExpressApplication;
  let port: number;
  const clients: RawClient[] = [];

  beforeAll(async () => {
    app = await createTestApp({ MEDIA_MAX_BYTES: String(MEDIA_MAX_BYTES) });
    port = Number(new URL(await listenOnFreePort(app)).port);
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });
  afterAll(async () => {
    await app?.close();
  });

  /** Sends the headers of a 7 MB JSON body and its first kilobyte only. */
  function startHugeBody(method: string, path: string, cookie: string): RawClient {
    const client = new RawClient(port);
    clients.push(client);
    client.send(
      `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${cookie}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${SEVEN_MB}\r\n\r\n{"text":"${'a'.repeat(1024)}`,
    );
    return client;
  }

  it.each([
    ['POST', '/api/messages/send/0123456789abcdef01234567'],
    ['PUT', '/api/auth/update-profile'],
    ['PATCH', '/api/users/me'],
  ])('answers %s %s with a junk cookie 401 before the 7 MB body is sent', async (method, path) => {
    const [response] = await startHugeBody(method, path, JUNK_COOKIE).responses(1, 10_000);
    expect(response.status).toBe('HTTP/1.1 401 Unauthorized');
    expect(JSON.parse(response.body)).toEqual(errorBody(401, SESSION_INVALID));
  });

  it('still reads the body of a public route before answering it', async () => {
    const client = new RawClient(port);
    clients.push(client);
    const body = JSON.stringify({ email: 'nobody@example.com', password: WRONG_PASSWORD });
    client.send(
      'POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
        `Content-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
    );
    await expect(client.responses(1, 1000)).rejects.toThrow(/expected 1 responses/);
    client.send(body.slice(10));
    const [response] = await client.responses(1);
    expect(response.status).toBe('HTTP/1.1 401 Unauthorized');
  });

  describe('sending a message', () => {
    let cookie: string;
    let to: string;

    beforeAll(async () => {
      ({ cookie } = await signUp(app));
      to = (await signUp(app)).user._id;
    });

    const send = (body: object | string) =>
      request(app.getHttpServer())
        .post(`/api/messages/send/${to}`)
        .set('Cookie', cookie)
        .type('json')
        .send(typeof body === 'string' ? body : JSON.stringify(body));

    it('answers 413 to a 2 MB text message, which only an image may make that large', async () => {
      const res = await send({ text: 'a'.repeat(2 * 1024 * 1024) }).expect(413);
      expect(res.body).toEqual(errorBody(413, BODY_APART_FROM_PICTURE_TOO_LARGE));
    });

    it('answers 413 to a 2 MB text beside a small image', async () => {
      const res = await send({ text: 'a'.repeat(2 * 1024 * 1024), image: dataUri(pngOfSize(1000)) }).expect(
        413,
      );
      expect(res.body).toEqual(errorBody(413, BODY_APART_FROM_PICTURE_TOO_LARGE));
    });

    it('takes a 2,000-character text however the client escaped it', async () => {
      // 2,000 emoji, each sent as a \uXXXX\uXXXX pair: 24 kB on the wire, 8 kB once parsed.
      const escaped = `{"text":"${'\\ud83d\\ude00'.repeat(2000)}"}`;
      const res = await send(escaped).expect(201);
      expect(res.body.text).toBe('\u{1F600}'.repeat(2000));
    });

    it('takes an image message of nearly MEDIA_MAX_BYTES with its text', async () => {
      const res = await send({ text: 'a picture', image: dataUri(pngOfSize(MEDIA_MAX_BYTES - 1024)) }).expect(
        201,
      );
      expect(res.body).toMatchObject({ text: 'a picture', image: expect.any(String) });
    });
  });

  it('answers a body nested thousands deep on a picture route with 400, not silence', async () => {
    const { cookie } = await signUp(app);
    const deep = '['.repeat(4118) + ']'.repeat(4118);
    const res = await request(app.getHttpServer())
      .post(`/api/messages/send/${'a'.repeat(24)}`)
      .set('Cookie', cookie)
      .set('Content-Type', 'application/json')
      .send(deep)
      .timeout(5000);
    expect(res.status).toBe(400);
    expect(res.body).toEqual(errorBody(400, 'The request body is nested too deeply'));
  });
});
