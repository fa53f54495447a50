import type { NestExpressApplication } from '@nestjs/platform-express';
import { Types } from 'mongoose';
import type { Server } from 'socket.io';
import type { Socket } from 'socket.io-client';
import request from 'supertest';
import { decodePayload, forgeToken, GOOD_PASSWORD, sessionCookie, signUp, tokenOf } from '../support/auth.js';
import {
  connected,
  connectWithCookie,
  disconnection,
  eventMatching,
  listenOnFreePort,
  nextEvent,
  openSocket,
  record,
  refused,
} from '../support/sockets.js';
import { ChatGateway } from '../../src/chat/chat.gateway.js';
import { userRoom } from '../../src/chat/socket-events.js';
import { DatabaseServer } from '../../src/database/database-server.js';
import { createTestApp, EMBEDDED_DB, TEST_ENV } from '../support/app/test-app.js';

const FRONTEND_ORIGIN = 'http://localhost:5173';
/** Long enough for a stray delivery over loopback to show up, even on a loaded machine. */
const SETTLE_MS = 300;
const settle = () => new Promise((resolve) => setTimeout(resolve, SETTLE_MS));

describe('Chat over Socket.IO (e2e)', () => {
  let app: NestExpressApplication;
  let baseUrl: string;
  const sockets: Socket[] = [];
  const http = () => request(app.getHttpServer());
  const track = (socket: Socket) => (sockets.push(socket), socket);
  const connect = async (cookie: string, options = {}) =>
    track(await connectWithCookie(baseUrl, cookie, options));
  const open = (options = {}) => track(openSocket(baseUrl, options));
  const send = (cookie: string, to: string, body: object) =>
    http().post(`/api/messages/send/${to}`).set('Cookie', cookie).send(body).expect(201);
  const login = async (email: string) =>
    sessionCookie(await http().post('/api/auth/login').send({ email, password: GOOD_PASSWORD }).expect(200));

  beforeAll(async () => {
    app = await createTestApp({ CORS_ORIGINS: FRONTEND_ORIGIN, RATE_LIMIT_AUTH_PER_MINUTE: '1000' });
    baseUrl = await listenOnFreePort(app);
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.disconnect();
  });
  afterAll(async () => {
    await app.close();
  });

  describe('delivery', () => {
    it('two users exchange messages over REST and receive them live', async () => {
      const alice = await signUp(app);
      const bob = await signUp(app);
      const aliceSocket = await connect(alice.cookie);
      const bobSocket = await connect(bob.cookie);

      const incoming = nextEvent(bobSocket, 'newMessage');
      const sent = await send(alice.cookie, bob.user._id, { text: 'Hi Bob' });
      expect(await incoming).toEqual(sent.body);

      const reply = nextEvent(aliceSocket, 'newMessage');
      const answered = await send(bob.cookie, alice.user._id, { text: 'Hi Alice' });
      expect(await reply).toEqual(answered.body);
      expect(answered.body).toMatchObject({ senderId: bob.user._id, receiverId: alice.user._id });
    });

    it("reaches every tab of the receiver and the sender's other tabs, not the sending one", async () => {
      const alice = await signUp(app);
      const bob = await signUp(app);
      const aliceSending = await connect(alice.cookie);
      const aliceOther = await connect(alice.cookie);
      const bobTabs = [await connect(bob.cookie), await connect(await login(bob.email))];
      const sendingGot = record(aliceSending, 'newMessage');

      const deliveries = [...bobTabs, aliceOther].map((socket) => nextEvent(socket, 'newMessage'));
      const sent = await send(alice.cookie, bob.user._id, { text: 'to all your tabs' }).set(
        'X-Socket-Id',
        aliceSending.id!,
      );
      for (const delivered of await Promise.all(deliveries)) expect(delivered).toEqual(sent.body);
      await settle();
      expect(sendingGot).toEqual([]);
    });

    it("ignores an X-Socket-Id that is not one of the sender's sockets", async () => {
      const alice = await signUp(app);
      const bob = await signUp(app);
      const bobSocket = await connect(bob.cookie);
      const delivered = nextEvent(bobSocket, 'newMessage');
      await send(alice.cookie, bob.user._id, { text: 'still delivered' }).set('X-Socket-Id', bobSocket.id!);
      expect(await delivered).toMatchObject({ text: 'still delivered' });
    });

    it('delivers image messages with their URL', async () => {
      const alice = await signUp(app);
      const bob = await signUp(app);
      const bobSocket = await connect(bob.cookie);
      const delivered = nextEvent<{ image: string }>(bobSocket, 'newMessage');
      const png =
        'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGNgYGAAAAAEAAH2FzhVAAAAAElFTkSuQmCC';
      const sent = await send(alice.cookie, bob.user._id, { image: `data:image/png;base64,${png}` });
      expect((await delivered).image).toBe(sent.body.image);
    });
  });

  describe('handshake', () => {
    it("refuses a socket with someone else's userId and no session; it receives nothing", async () => {
      const victim = await signUp(app);
      const sender = await signUp(app);
      const intruder = open({ query: { userId: victim.user._id } });
      const got = record(intruder, 'newMessage');
      const error = await refused(intruder);
      expect(error.message).toMatch(/^Not authenticated/);
      expect(error.data).toEqual({ status: 401 });

      const victimSocket = await connect(victim.cookie);
      const delivered = nextEvent(victimSocket, 'newMessage');
      await send(sender.cookie, victim.user._id, { text: 'private' });
      await delivered;
      await settle();
      expect(got).toEqual([]);
      expect(intruder.connected).toBe(false);
    });

    it("a signed-in user's userId query for someone else is ignored: they get only their own messages", async () => {
      const victim = await signUp(app);
      const attacker = await signUp(app);
      const sender = await signUp(app);
      const spying = await connect(attacker.cookie, { query: { userId: victim.user._id } });
      const got = record(spying, 'newMessage');
      const victimSocket = await connect(victim.cookie);
      const delivered = nextEvent(victimSocket, 'newMessage');
      await send(sender.cookie, victim.user._id, { text: 'for the victim only' });
      await delivered;
      await settle();
      expect(got).toEqual([]);
    });

    it('accepts auth.token and Authorization: Bearer, from any origin', async () => {
      const alice = await signUp(app);
      const byAuth = open({ auth: { token: alice.token }, extraHeaders: { origin: 'https://evil.example' } });
      await connected(byAuth);
      const byHeader = open({ extraHeaders: { authorization: `Bearer ${alice.token}` } });
      await connected(byHeader);
    });

    const refusedTokens: Array<[string, (secretToken: string) => string]> = [
      [
        'a token signed with another key',
        (token) => forgeToken(decodePayload(token), { secret: 'not-ours' }),
      ],
      ['an unsigned token', (token) => forgeToken(decodePayload(token), { alg: 'none' })],
      [
        'an expired token',
        (token) => forgeToken({ ...decodePayload(token), exp: 1 }, { secret: TEST_ENV.JWT_SECRET }),
      ],
      [
        'a token of a session that never existed',
        (token) =>
          forgeToken(
            { ...decodePayload(token), sid: new Types.ObjectId().toHexString() },
            { secret: TEST_ENV.JWT_SECRET },
          ),
      ],
      ['garbage', () => 'not-a-jwt'],
    ];
    it.each(refusedTokens)('refuses %s with a connect_error that says so', async (_name, forge) => {
      const alice = await signUp(app);
      const token = forge(alice.token);
      for (const options of [{ auth: { token } }, { extraHeaders: { cookie: `jwt=${token}` } }]) {
        const error = await refused(open(options));
        expect(error.message).toBe('Your session is invalid or has expired, please log in again');
      }
    });

    it('refuses a revoked session and a deleted user', async () => {
      const alice = await signUp(app);
      await http().post('/api/auth/logout').set('Cookie', alice.cookie).expect(200);
      expect((await refused(open({ extraHeaders: { cookie: alice.cookie } }))).message).toMatch(
        /invalid or has expired/,
      );

      const bob = await signUp(app);
      await http()
        .delete('/api/users/me')
        .set('Cookie', bob.cookie)
        .send({ password: GOOD_PASSWORD })
        .expect(204);
      expect((await refused(open({ auth: { token: bob.token } }))).message).toMatch(/invalid or has expired/);
    });

    it('applies the CSRF origin check to cookie handshakes: another site is refused', async () => {
      const alice = await signUp(app);
      const error = await refused(
        open({ extraHeaders: { cookie: alice.cookie, origin: 'https://evil.example' } }),
      );
      expect(error.message).toMatch(/^Cross-site connection refused/);
      expect(error.data).toEqual({ status: 403 });
      const polling = await refused(
        open({
          transports: ['polling'],
          extraHeaders: { cookie: alice.cookie, origin: 'https://evil.example' },
        }),
      );
      expect(polling.message).toMatch(/^Cross-site connection refused/);

      await connected(
        track(openSocket(baseUrl, { extraHeaders: { cookie: alice.cookie, origin: FRONTEND_ORIGIN } })),
      );
      await connected(
        track(openSocket(baseUrl, { extraHeaders: { cookie: alice.cookie, origin: baseUrl } })),
      );
      await connected(
        track(
          openSocket(baseUrl, {
            transports: ['polling'],
            extraHeaders: { cookie: alice.cookie, origin: FRONTEND_ORIGIN },
          }),
        ),
      );
    });

    it('answers CORS for CORS_ORIGINS only, with credentials', async () => {
      const allowed = await http()
        .get('/socket.io/?EIO=4&transport=polling')
        .set('Origin', FRONTEND_ORIGIN)
        .expect(200);
      expect(allowed.headers['access-control-allow-origin']).toBe(FRONTEND_ORIGIN);
      expect(allowed.headers['access-control-allow-credentials']).toBe('true');
      const other = await http()
        .get('/socket.io/?EIO=4&transport=polling')
        .set('Origin', 'https://evil.example');
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  describe('presence', () => {
    const onlineUsers = (socket: Socket, accept: (ids: string[]) => boolean) =>
      eventMatching<string[]>(socket, 'getOnlineUsers', accept);

    it('sends the online users to a new socket, and to everyone when someone comes online', async () => {
      const bob = await signUp(app);
      const alice = await signUp(app);
      const bobSocket = track(openSocket(baseUrl, { extraHeaders: { cookie: bob.cookie } }));
      const first = onlineUsers(bobSocket, (ids) => ids.includes(bob.user._id));
      await connected(bobSocket);
      await first;

      const seen = onlineUsers(bobSocket, (ids) => ids.includes(alice.user._id));
      await connect(alice.cookie);
      expect(await seen).toContain(bob.user._id);
    });

    it('keeps a user with two tabs online until the last tab closes', async () => {
      const watcher = await signUp(app);
      const alice = await signUp(app);
      const watcherSocket = await connect(watcher.cookie);
      const isAliceOnline = (ids: string[]) => ids.includes(alice.user._id);

      const [, tab1] = await Promise.all([onlineUsers(watcherSocket, isAliceOnline), connect(alice.cookie)]);
      const broadcasts = record<string[]>(watcherSocket, 'getOnlineUsers');
      const tab2 = track(openSocket(baseUrl, { extraHeaders: { cookie: alice.cookie } }));
      // The second tab gets the list for itself, with its user already in it.
      const ownList = onlineUsers(tab2, isAliceOnline);
      await connected(tab2);
      await ownList;
      tab1.disconnect();
      await settle();
      // Neither the second tab nor closing the first took Alice offline.
      expect(broadcasts.every(isAliceOnline)).toBe(true);

      const wentOffline = onlineUsers(watcherSocket, (ids) => !isAliceOnline(ids));
      tab2.disconnect();
      expect(await wentOffline).toContain(watcher.user._id);
    });
  });

  describe('revocation', () => {
    /** The socket must be ended by the server within a second of the revoking response. */
    const expectEndedWithinASecond = async (socket: Socket, ended: Promise<string>) => {
      const reason = await Promise.race([
        ended,
        new Promise<string>((resolve) => setTimeout(() => resolve('still connected after 1 s'), 1000)),
      ]);
      expect(reason).toBe('io server disconnect');
      expect(socket.connected).toBe(false);
    };

    it('logout disconnects the sockets of that session only', async () => {
      const alice = await signUp(app);
      const phone = await login(alice.email);
      const laptopSocket = await connect(alice.cookie);
      const phoneSocket = await connect(phone);
      const ended = disconnection(laptopSocket);
      await http().post('/api/auth/logout').set('Cookie', alice.cookie).expect(200);
      await expectEndedWithinASecond(laptopSocket, ended);
      await settle();
      expect(phoneSocket.connected).toBe(true);
    });

    it('revoking a session disconnects its sockets', async () => {
      const alice = await signUp(app);
      const phone = await login(alice.email);
      const phoneSocket = await connect(phone);
      const ended = disconnection(phoneSocket);
      const sid = decodePayload(tokenOf(phone)).sid as string;
      await http().delete(`/api/auth/sessions/${sid}`).set('Cookie', alice.cookie).expect(204);
      await expectEndedWithinASecond(phoneSocket, ended);
    });

    it('logout-all disconnects every socket of the user, and the user goes offline', async () => {
      const watcher = await signUp(app);
      const alice = await signUp(app);
      const watcherSocket = await connect(watcher.cookie);
      const tabs = [await connect(alice.cookie), await connect(await login(alice.email))];
      const ended = tabs.map(disconnection);
      const offline = eventMatching<string[]>(
        watcherSocket,
        'getOnlineUsers',
        (ids) => !ids.includes(alice.user._id),
      );
      await http().post('/api/auth/logout-all').set('Cookie', alice.cookie).expect(204);
      for (const [i, socket] of tabs.entries()) await expectEndedWithinASecond(socket, ended[i]);
      expect(await offline).toContain(watcher.user._id);
    });

    it('a password change disconnects the other sessions, not the current one', async () => {
      const alice = await signUp(app);
      const other = await connect(await login(alice.email));
      const current = await connect(alice.cookie);
      const ended = disconnection(other);
      await http()
        .put('/api/auth/password')
        .set('Cookie', alice.cookie)
        .send({ currentPassword: GOOD_PASSWORD, newPassword: 'amber-lantern-meadow-97' })
        .expect(204);
      await expectEndedWithinASecond(other, ended);
      await settle();
      expect(current.connected).toBe(true);
    });

    it('account deletion disconnects every socket of the user', async () => {
      const alice = await signUp(app);
      const socket = await connect(alice.cookie);
      const bearerSocket = track(openSocket(baseUrl, { auth: { token: alice.token } }));
      await connected(bearerSocket);
      const ended = [disconnection(socket), disconnection(bearerSocket)];
      await http()
        .delete('/api/users/me')
        .set('Cookie', alice.cookie)
        .send({ password: GOOD_PASSWORD })
        .expect(204);
      await expectEndedWithinASecond(socket, ended[0]);
      await expectEndedWithinASecond(bearerSocket, ended[1]);
    });

    it('a revoked socket leaves the server: deliveries reach only the sessions still live', async () => {
      const alice = await signUp(app);
      const bob = await signUp(app);
      const bobSocket = await connect(bob.cookie);
      const bobOtherTab = await connect(bob.cookie);
      const bobPhone = await connect(await login(bob.email));
      const ended = [disconnection(bobSocket), disconnection(bobOtherTab)];
      await http().post('/api/auth/logout').set('Cookie', bob.cookie).expect(200);
      await Promise.all(ended);
      // The server side: only the phone's socket is left in Bob's room.
      const server = (app.get(ChatGateway) as unknown as { server: Server }).server;
      const left = await server.in(userRoom(bob.user._id)).fetchSockets();
      expect(left.map((socket) => socket.id)).toEqual([bobPhone.id]);
      const delivered = nextEvent(bobPhone, 'newMessage');
      await send(alice.cookie, bob.user._id, { text: 'after logout' });
      expect(await delivered).toMatchObject({ text: 'after logout' });
    });
  });
});

describe('Chat during a database outage (e2e)', () => {
  it('refuses a handshake it cannot check with a connect_error that says so', async () => {
    const app = await createTestApp(EMBEDDED_DB);
    const baseUrl = await listenOnFreePort(app);
    // Signed up but never checked: nothing of this session is cached, the handshake must ask the database.
    const alice = await signUp(app);
    await app.get(DatabaseServer).embedded!.stop();
    const socket = openSocket(baseUrl, { extraHeaders: { cookie: alice.cookie } });
    try {
      const error = await refused(socket);
      expect(error.message).toBe('The service is temporarily unavailable, please retry shortly');
      expect(error.data).toEqual({ status: 503 });
    } finally {
      socket.disconnect();
      await app.close();
    }
  });
});

describe('Chat with REQUIRE_EMAIL_VERIFICATION (e2e)', () => {
  it('refuses the socket of an unverified user, as its REST chat routes answer 403', async () => {
    const app = await createTestApp({ REQUIRE_EMAIL_VERIFICATION: 'true' });
    const baseUrl = await listenOnFreePort(app);
    const alice = await signUp(app);
    await request(app.getHttpServer()).get('/api/messages/users').set('Cookie', alice.cookie).expect(403);
    const socket = openSocket(baseUrl, { extraHeaders: { cookie: alice.cookie } });
    try {
      const error = await refused(socket);
      expect(error.message).toBe('Email not verified');
      expect(error.data).toEqual({ status: 403 });
    } finally {
      socket.disconnect();
      await app.close();
    }
  });
});
