import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Socket } from 'socket.io-client';
import request from 'supertest';
import { signUp } from '../support/auth.js';
import {
  type ClientOptions,
  connected,
  eventMatching,
  listenOnFreePort,
  nextEvent,
  openSocket,
  record,
  refused,
} from '../support/sockets.js';
import { createTestApp } from '../support/app/test-app.js';

const FRONTEND_ORIGIN = 'http://localhost:5173';

/**
 * A browser page on another origin of the same site (the reference frontend's Vite dev server) opens
 * its socket as `io(API, { query: { userId } })`: HTTP long-polling without credentials, so without
 * the session cookie, then a WebSocket upgrade, which does carry the cookie. Here a Node client plays
 * that browser: nothing on the polling requests, the cookie (and Origin) on the upgrade only.
 */
describe('Chat: a handshake that proves its session when it upgrades to WebSocket (e2e)', () => {
  let app: NestExpressApplication;
  let baseUrl: string;
  const sockets: Socket[] = [];
  const open = (options: ClientOptions) => {
    const socket = openSocket(baseUrl, options);
    sockets.push(socket);
    return socket;
  };
  /** Credentials on the WebSocket upgrade only, as a browser sends them from a same-site page. */
  const upgradingWith = (headers: Record<string, string>, options: ClientOptions = {}) =>
    open({
      query: { userId: 'ignored' },
      transportOptions: { websocket: { extraHeaders: headers } },
      ...options,
    });

  beforeAll(async () => {
    app = await createTestApp({ CORS_ORIGINS: FRONTEND_ORIGIN });
    baseUrl = await listenOnFreePort(app);
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.disconnect();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('connects once the upgrade carries the session cookie, and then gets its own messages live', async () => {
    const alice = await signUp(app);
    const bob = await signUp(app);
    const socket = upgradingWith({ cookie: alice.cookie, origin: FRONTEND_ORIGIN });
    // Presence counts it like any socket.
    const online = eventMatching<string[]>(socket, 'getOnlineUsers', (ids) => ids.includes(alice.user._id));
    await connected(socket);
    expect(socket.io.engine.transport.name).toBe('websocket');
    await online;

    const delivered = nextEvent<{ text: string; receiverId: string }>(socket, 'newMessage');
    await request(app.getHttpServer())
      .post(`/api/messages/send/${alice.user._id}`)
      .set('Cookie', bob.cookie)
      .send({ text: 'live' })
      .expect(201);
    expect(await delivered).toMatchObject({ text: 'live', receiverId: alice.user._id });
  });

  it('refuses the upgrade from a foreign Origin, as a cookie handshake', async () => {
    const alice = await signUp(app);
    const error = await refused(upgradingWith({ cookie: alice.cookie, origin: 'http://evil.example' }));
    expect(error.message).toMatch(/^Cross-site connection refused/);
    expect(error.data).toEqual({ status: 403 });
  });

  it('refuses an upgrade with a session that is not valid', async () => {
    const error = await refused(upgradingWith({ cookie: 'jwt=not-a-jwt', origin: FRONTEND_ORIGIN }));
    expect(error.message).toBe('Your session is invalid or has expired, please log in again');
  });

  it('refuses an upgrade without credentials', async () => {
    const error = await refused(upgradingWith({ origin: FRONTEND_ORIGIN }));
    expect(error.message).toMatch(/^Not authenticated/);
    expect(error.data).toEqual({ status: 401 });
  });

  it('refuses a connection that never upgrades after a few seconds; meanwhile it receives nothing', async () => {
    const waiting = open({ transports: ['polling'], query: { userId: 'ignored' } });
    const received = record(waiting, 'getOnlineUsers');
    const answer = refused(waiting);
    // Someone coming online is announced to every connected socket, but not to this one.
    const someone = await signUp(app);
    const watcher = open({ extraHeaders: { cookie: someone.cookie } });
    await connected(watcher);
    const error = await answer;
    expect(error.message).toMatch(/^Not authenticated/);
    expect(received).toEqual([]);
  });
});
