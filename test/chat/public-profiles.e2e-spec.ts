import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Socket } from 'socket.io-client';
import request from 'supertest';
import { signUp } from '../support/auth.js';
import { connectWithCookie, eventMatching, listenOnFreePort } from '../support/sockets.js';
import { createTestApp } from '../support/app/test-app.js';

type Person = Awaited<ReturnType<typeof signUp>>;

/**
 * Issue 19, item 1: other people appear as `{ _id, fullName, profilePic }` only. Everything one user
 * receives, over HTTP and over their socket, is kept raw and searched for the others' addresses.
 */
describe('Public profiles: no user learns another user’s email (e2e)', () => {
  let app: NestExpressApplication;
  let baseUrl: string;
  const sockets: Socket[] = [];
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    app = await createTestApp();
    baseUrl = await listenOnFreePort(app);
  });
  afterAll(async () => {
    for (const socket of sockets.splice(0)) socket.disconnect();
    await app.close();
  });

  /** Every HTTP body and socket event one person receives, as the raw text that reached them. */
  function inbox(person: Person) {
    const received: string[] = [];
    const call = async (method: 'get' | 'post', path: string, body?: object) => {
      const req = http()[method](path).set('Cookie', person.cookie);
      const res = await (body ? req.send(body) : req);
      received.push(res.text);
      return res;
    };
    const listen = async () => {
      const socket = await connectWithCookie(baseUrl, person.cookie);
      sockets.push(socket);
      socket.onAny((event: string, ...args: unknown[]) => received.push(event + JSON.stringify(args)));
      return socket;
    };
    return { received, call, listen };
  }

  it('shows others without their address in the sidebar, conversations and live events', async () => {
    const alice = await signUp(app, { fullName: 'Alice Profile' });
    const bob = await signUp(app, { fullName: 'Bob Profile' });
    const carol = await signUp(app, { fullName: 'Carol Profile' });
    const people = [alice, bob, carol].map((person) => ({ person, inbox: inbox(person) }));
    const socketOf = new Map<Person, Socket>();
    for (const { person, inbox } of people) socketOf.set(person, await inbox.listen());
    const [a, b, c] = people.map(({ inbox }) => inbox);

    // Everyone writes to everyone, so each sees the others in every place a user can appear.
    for (const [from, sender] of [
      [a, alice],
      [b, bob],
      [c, carol],
    ] as const) {
      for (const to of [alice, bob, carol].filter((other) => other !== sender)) {
        const delivered = eventMatching<{ text: string }>(
          socketOf.get(to)!,
          'newMessage',
          (message) => message.text === `from ${sender.user._id}`,
        );
        await from.call('post', `/api/messages/send/${to.user._id}`, { text: `from ${sender.user._id}` });
        await delivered;
      }
    }
    const sidebars = new Map<Person, request.Response>();
    for (const { person, inbox } of people) {
      sidebars.set(person, await inbox.call('get', '/api/messages/users?limit=500'));
      for (const other of [alice, bob, carol].filter((someone) => someone !== person)) {
        expect((await inbox.call('get', `/api/messages/${other.user._id}`)).status).toBe(200);
      }
    }

    for (const { person, inbox } of people) {
      const everything = inbox.received.join('\n');
      // Something did arrive: the messages of both others, live and in the conversations.
      expect(everything).toContain('newMessage');
      for (const other of [alice, bob, carol].filter((someone) => someone !== person)) {
        expect(everything).toContain(other.user._id);
        expect(everything.toLowerCase()).not.toContain(other.email.toLowerCase());
        expect(sidebars.get(person)!.body).toContainEqual({
          _id: other.user._id,
          fullName: other.user.fullName,
          profilePic: '',
        });
      }
      for (const entry of sidebars.get(person)!.body as object[]) {
        expect(Object.keys(entry).sort()).toEqual(['_id', 'fullName', 'profilePic']);
      }
    }
  });

  it("keeps the caller's own address in their own account's responses", async () => {
    const dana = await signUp(app, { fullName: 'Dana Profile' });
    expect(dana.user.email).toBe(dana.email);
    for (const path of ['/api/auth/check', '/api/users/me']) {
      const res = await http().get(path).set('Cookie', dana.cookie).expect(200);
      expect(res.body).toMatchObject({ _id: dana.user._id, email: dana.email, emailVerified: false });
    }
  });
});
