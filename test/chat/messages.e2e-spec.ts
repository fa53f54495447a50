import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import mongoose, { type Connection, Types } from 'mongoose';
import request from 'supertest';
import { GOOD_PASSWORD, signUp } from '../support/auth.js';
import { FakeCloudinary } from '../support/fake-cloudinary.js';
import { decode } from '../support/hostile-images.js';
import { dataUri, gif, html, png, pngOfSize, svg } from '../support/images.js';
import { createTestApp, databaseOf } from '../support/app/test-app.js';

const MESSAGE_KEYS = ['_id', 'createdAt', 'image', 'receiverId', 'senderId', 'text', 'updatedAt'];
// Other people are public profiles (issue 19): never their email or account bookkeeping.
const PUBLIC_PROFILE_KEYS = ['_id', 'fullName', 'profilePic'];
const MAX_BYTES = 64 * 1024;
const UPLOAD_TIMEOUT_MS = 1000;

type Http = () => ReturnType<typeof request>;
const messagesApi = (http: Http) => ({
  send: (cookie: string, to: string, body: unknown) =>
    http()
      .post(`/api/messages/send/${to}`)
      .set('Cookie', cookie)
      .send(body as object),
  conversation: (cookie: string, withId: string, query = '') =>
    http().get(`/api/messages/${withId}${query}`).set('Cookie', cookie),
  contacts: (cookie: string, query = '') => http().get(`/api/messages/users${query}`).set('Cookie', cookie),
});

describe('Messages over REST, pictures on local disk (e2e)', () => {
  let app: NestExpressApplication;
  let db: Connection;
  let dataDir: string;
  const http = () => request(app.getHttpServer());
  const api = messagesApi(http);

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'messages-e2e-'));
    app = await createTestApp({
      DATA_DIR: dataDir,
      MEDIA_MAX_BYTES: String(MAX_BYTES),
    });
    db = databaseOf(app);
  });
  afterAll(async () => {
    await app.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  describe('POST /api/messages/send/:id', () => {
    it('stores a text message and answers it with string ids and nothing else', async () => {
      const alice = await signUp(app);
      const bob = await signUp(app);
      const res = await api
        .send(alice.cookie, bob.user._id, {
          text: '  Hello Bob\r\nhow are you?  ',
        })
        .expect(201);
      expect(Object.keys(res.body).sort()).toEqual(MESSAGE_KEYS);
      expect(res.body).toMatchObject({
        senderId: alice.user._id,
        receiverId: bob.user._id,
        text: 'Hello Bob\nhow are you?',
        image: null,
      });
      expect(res.body._id).toMatch(/^[a-f0-9]{24}$/);
      const stored = await db.collection('messages').findOne({ _id: new Types.ObjectId(res.body._id) });
      expect(stored?.senderId).toEqual(new Types.ObjectId(alice.user._id));
      expect(stored?.receiverId).toEqual(new Types.ObjectId(bob.user._id));
    });

    it('takes what the reference frontend sends: empty text with an image, or text with image null', async () => {
      const alice = await signUp(app);
      const bob = await signUp(app);
      await api.send(alice.cookie, bob.user._id, { text: 'hi', image: null }).expect(201);
      const res = await api
        .send(alice.cookie, bob.user._id, {
          text: '',
          image: dataUri(png(3, 3)),
        })
        .expect(201);
      expect(res.body.text).toBeNull();
      expect(res.body.image).toMatch(
        new RegExp(`^http://localhost:5001/media/${alice.user._id}/[a-f0-9]{32}\\.webp$`),
      );
    });

    it('stores the image on local disk, served under /media, and never returns its storage key', async () => {
      const alice = await signUp(app);
      const bob = await signUp(app);
      const image = gif(2, 2);
      const res = await api
        .send(alice.cookie, bob.user._id, {
          text: 'look',
          image: dataUri(image, 'image/gif'),
        })
        .expect(201);
      const served = await http()
        .get(new URL(res.body.image as string).pathname)
        .expect(200);
      // Re-encoded: every stored picture is a WebP (test/chat/chat-image-reencoding.e2e-spec.ts).
      expect(served.headers['content-type']).toBe('image/webp');
      expect(JSON.stringify(res.body)).not.toMatch(/imageKey|local:/);
      const stored = await db.collection('messages').findOne({ _id: new Types.ObjectId(res.body._id) });
      expect(stored?.imageKey).toMatch(/^local:/);
      const conversation = await api.conversation(bob.cookie, alice.user._id).expect(200);
      expect(JSON.stringify(conversation.body)).not.toMatch(/imageKey|local:/);
    });

    const badBodies: Array<[string, unknown, number, RegExp]> = [
      ['no text and no image', {}, 400, /needs text or an image/],
      ['blank text and no image', { text: '   \n ', image: null }, 400, /needs text or an image/],
      ['text that is a number', { text: 42 }, 400, /text must be a string/],
      ['text that is an object', { text: { $gt: '' } }, 400, /text must be a string/],
      ['text over 2,000 characters', { text: 'x'.repeat(2001) }, 400, /at most 2000/],
      ['text with a NUL', { text: 'a\u0000b' }, 400, /control characters/],
      ['text with a tab', { text: 'a\tb' }, 400, /control characters/],
      ['text with a lone carriage return', { text: 'a\rb' }, 400, /control characters/],
      ['text with an escape sequence', { text: 'a\u001b[31mb' }, 400, /control characters/],
      [
        'an unknown field',
        { text: 'hi', senderId: new Types.ObjectId().toHexString() },
        400,
        /senderId is not an allowed field/,
      ],
      ['an image URL', { image: 'https://example.com/cat.png' }, 400, /image must be a data:image/],
      ['an SVG data URI', { image: dataUri(svg, 'image/svg+xml') }, 400, /image must be a data:image/],
      ['HTML declared as PNG', { image: dataUri(html) }, 400, /Only PNG, JPEG, WebP and GIF/],
      ['invalid base64', { image: 'data:image/png;base64,iVBO!!==' }, 400, /image is not valid base64/],
      ['a PNG over 4096 pixels wide', { image: dataUri(png(4097, 1, 'none')) }, 400, /at most 4096/],
      ['an image over MEDIA_MAX_BYTES', { image: dataUri(pngOfSize(MAX_BYTES + 1)) }, 413, /at most 64 kB/],
    ];
    it.each(badBodies)('refuses %s and stores nothing', async (_name, body, status, message) => {
      const alice = await signUp(app);
      const bob = await signUp(app);
      const res = await api.send(alice.cookie, bob.user._id, body).expect(status);
      expect(res.body).toMatchObject({
        statusCode: status,
        message: expect.stringMatching(message),
      });
      expect(
        await db.collection('messages').countDocuments({ senderId: new Types.ObjectId(alice.user._id) }),
      ).toBe(0);
      expect(existsSync(join(dataDir, 'media', alice.user._id))).toBe(false);
    });

    it('refuses a malformed receiver id (400), an unknown receiver (404) and a body that is not an object', async () => {
      const alice = await signUp(app);
      const bad = await api.send(alice.cookie, 'not-an-id', { text: 'hi' }).expect(400);
      expect(bad.body.message).toMatch(/24-character/);
      const unknown = await api
        .send(alice.cookie, new Types.ObjectId().toHexString(), { text: 'hi' })
        .expect(404);
      expect(unknown.body.message).toBe('User not found');
      await http()
        .post(`/api/messages/send/${alice.user._id}`)
        .set('Cookie', alice.cookie)
        .set('Content-Type', 'application/json')
        .send('["hi"]')
        .expect(400);
      await http()
        .post(`/api/messages/send/${alice.user._id}`)
        .set('Cookie', alice.cookie)
        .set('Content-Type', 'text/plain')
        .send('hi')
        .expect(415);
    });

    it('stores no picture for an unknown receiver', async () => {
      const alice = await signUp(app);
      await api
        .send(alice.cookie, new Types.ObjectId().toHexString(), {
          image: dataUri(png()),
        })
        .expect(404);
      expect(existsSync(join(dataDir, 'media', alice.user._id))).toBe(false);
    });

    it('needs a session, and refuses a cookie-authenticated send from another site', async () => {
      const alice = await signUp(app);
      const bob = await signUp(app);
      const anonymous = await http()
        .post(`/api/messages/send/${bob.user._id}`)
        .send({ text: 'hi' })
        .expect(401);
      expect(anonymous.body.message).toBe('Not authenticated');
      await api
        .send(alice.cookie, bob.user._id, { text: 'hi' })
        .set('Origin', 'https://evil.example')
        .expect(403);
      await http()
        .post(`/api/messages/send/${bob.user._id}`)
        .set('Authorization', `Bearer ${alice.token}`)
        .set('Origin', 'https://evil.example')
        .send({ text: 'bearer clients are not browsers' })
        .expect(201);
      expect(
        await db.collection('messages').countDocuments({ senderId: new Types.ObjectId(alice.user._id) }),
      ).toBe(1);
    });

    it('refuses a large body without credentials before reading it', async () => {
      const bob = await signUp(app);
      await http()
        .post(`/api/messages/send/${bob.user._id}`)
        .send({ image: dataUri(pngOfSize(MAX_BYTES)) })
        .expect(401);
    });
  });

  describe('GET /api/messages/:id', () => {
    it('returns the conversation oldest first, both directions, and nothing of other conversations', async () => {
      const alice = await signUp(app);
      const bob = await signUp(app);
      const carol = await signUp(app);
      await api.send(alice.cookie, bob.user._id, { text: 'one' }).expect(201);
      await api.send(bob.cookie, alice.user._id, { text: 'two' }).expect(201);
      await api.send(carol.cookie, alice.user._id, { text: 'not this one' }).expect(201);
      await api.send(alice.cookie, bob.user._id, { text: 'three' }).expect(201);
      for (const [cookie, other] of [
        [alice.cookie, bob.user._id],
        [bob.cookie, alice.user._id],
      ]) {
        const res = await api.conversation(cookie, other).expect(200);
        expect(res.body.map((m: { text: string }) => m.text)).toEqual(['one', 'two', 'three']);
        for (const message of res.body) expect(Object.keys(message).sort()).toEqual(MESSAGE_KEYS);
      }
    });

    it('pages back with before and limit; the default page is the latest 50', async () => {
      const alice = await signUp(app);
      const bob = await signUp(app);
      const sent = await insertConversation(db, alice.user._id, bob.user._id, 57);
      const latest = await api.conversation(alice.cookie, bob.user._id).expect(200);
      expect(latest.body.map((m: { text: string }) => m.text)).toEqual(sent.slice(7));
      const page = await api
        .conversation(alice.cookie, bob.user._id, `?limit=5&before=${latest.body[0]._id}`)
        .expect(200);
      expect(page.body.map((m: { text: string }) => m.text)).toEqual(sent.slice(2, 7));
      const last = await api
        .conversation(alice.cookie, bob.user._id, `?limit=5&before=${page.body[0]._id}`)
        .expect(200);
      expect(last.body.map((m: { text: string }) => m.text)).toEqual(sent.slice(0, 2));
      const none = await api
        .conversation(alice.cookie, bob.user._id, `?before=${last.body[0]._id}`)
        .expect(200);
      expect(none.body).toEqual([]);
      const max = await api.conversation(alice.cookie, bob.user._id, '?limit=200').expect(200);
      expect(max.body).toHaveLength(57);
    });

    const badQueries: Array<[string, RegExp]> = [
      ['?limit=0', /limit must be an integer from 1 to 200/],
      ['?limit=201', /limit must be an integer from 1 to 200/],
      ['?limit=abc', /limit must be an integer from 1 to 200/],
      ['?limit=1.5', /limit must be an integer from 1 to 200/],
      ['?limit=-1', /limit must be an integer from 1 to 200/],
      ['?before=xyz', /before must be a 24-character/],
      ['?before[$gt]=a', /is not an allowed field/],
      ['?limit=5&limit=6', /limit must be an integer/],
      ['?sort=text', /sort is not an allowed field/],
    ];
    it.each(badQueries)('refuses %s with 400', async (query, message) => {
      const alice = await signUp(app);
      const bob = await signUp(app);
      const res = await api.conversation(alice.cookie, bob.user._id, query).expect(400);
      expect(res.body.message).toMatch(message);
    });

    it('answers 400 for a malformed id, 404 for an unknown user and 401 without a session', async () => {
      const alice = await signUp(app);
      await api.conversation(alice.cookie, 'zzz').expect(400);
      const unknown = await api.conversation(alice.cookie, new Types.ObjectId().toHexString()).expect(404);
      expect(unknown.body.message).toBe('User not found');
      await http().get(`/api/messages/${alice.user._id}`).expect(401);
    });

    it('reads the latest page of a 10,000-message conversation with one indexed query', async () => {
      const alice = await signUp(app);
      const bob = await signUp(app);
      await insertConversation(db, alice.user._id, bob.user._id, 10_000);
      const indexes = await db.collection('messages').indexes();
      expect(indexes.map((index) => index.key)).toEqual(
        expect.arrayContaining([
          { senderId: 1, receiverId: 1, _id: -1 },
          { receiverId: 1, _id: -1 },
        ]),
      );
      // The embedded server has no `explain`: record the exact query instead. On MongoDB each branch
      // of the $or is one range of { senderId, receiverId, _id: -1 }, merged in _id order (SORT_MERGE).
      const issued: Array<{ method: string; args: unknown[] }> = [];
      mongoose.set('debug', (collection: string, method: string, ...args: unknown[]) => {
        if (collection === 'messages') issued.push({ method, args });
      });
      try {
        const res = await api.conversation(alice.cookie, bob.user._id).expect(200);
        expect(res.body).toHaveLength(50);
        expect(res.body.at(-1).text).toBe('message 9999');
      } finally {
        mongoose.set('debug', false);
      }
      const a = new Types.ObjectId(alice.user._id);
      const b = new Types.ObjectId(bob.user._id);
      expect(issued).toHaveLength(1);
      expect(issued[0].method).toBe('find');
      expect(issued[0].args[0]).toEqual({
        $or: [
          { senderId: a, receiverId: b },
          { senderId: b, receiverId: a },
        ],
      });
      expect(issued[0].args[1]).toMatchObject({ sort: { _id: -1 }, limit: 50 });
    });
  });

  describe('GET /api/messages/users', () => {
    it('lists everyone but the caller, recent conversations first, then by name, without secrets', async () => {
      const me = await signUp(app, { fullName: 'Zz Caller' });
      const recent = await signUp(app, { fullName: 'Zz Most recent' });
      const older = await signUp(app, { fullName: 'Zz Older' });
      await api.send(me.cookie, older.user._id, { text: 'first' }).expect(201);
      await api.send(recent.cookie, me.user._id, { text: 'second' }).expect(201);
      const res = await api.contacts(me.cookie, '?limit=500').expect(200);
      const ids = res.body.map((user: { _id: string }) => user._id);
      expect(ids.slice(0, 2)).toEqual([recent.user._id, older.user._id]);
      expect(ids).not.toContain(me.user._id);
      const rest = res.body.slice(2).map((user: { fullName: string }) => user.fullName);
      expect(rest).toEqual([...rest].sort((x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0)));
      for (const user of res.body) expect(Object.keys(user).sort()).toEqual(PUBLIC_PROFILE_KEYS);
      expect(JSON.stringify(res.body)).not.toMatch(/password|\$2[aby]\$|hmac|profilePicKey/i);

      const limited = await api.contacts(me.cookie, '?limit=1').expect(200);
      expect(limited.body.map((user: { _id: string }) => user._id)).toEqual([recent.user._id]);
    });

    it('refuses a bad limit and answers 401 without a session', async () => {
      const me = await signUp(app);
      for (const query of ['?limit=0', '?limit=501', '?limit=ten']) {
        const res = await api.contacts(me.cookie, query).expect(400);
        expect(res.body.message).toMatch(/limit must be an integer from 1 to 500/);
      }
      await http().get('/api/messages/users').expect(401);
    });
  });

  describe('account deletion', () => {
    it("deletes the user's conversations in both directions and their pictures", async () => {
      const alice = await signUp(app);
      const bob = await signUp(app);
      const carol = await signUp(app);
      const mine = await api
        .send(alice.cookie, bob.user._id, {
          text: 'pic',
          image: dataUri(png(2, 2)),
        })
        .expect(201);
      await api
        .send(bob.cookie, alice.user._id, {
          text: 'reply',
          image: dataUri(png(2, 1)),
        })
        .expect(201);
      await api.send(bob.cookie, carol.user._id, { text: 'stays' }).expect(201);
      const alicePicture = join(
        dataDir,
        'media',
        new URL(mine.body.image as string).pathname.replace(/^\/media\//, ''),
      );
      expect(existsSync(alicePicture)).toBe(true);

      await http()
        .delete('/api/users/me')
        .set('Cookie', alice.cookie)
        .send({ password: GOOD_PASSWORD })
        .expect(204);

      const a = new Types.ObjectId(alice.user._id);
      expect(
        await db.collection('messages').countDocuments({ $or: [{ senderId: a }, { receiverId: a }] }),
      ).toBe(0);
      expect(existsSync(alicePicture)).toBe(false);
      expect(await readdir(join(dataDir, 'media', bob.user._id))).toEqual([]);
      const left = await api.conversation(bob.cookie, carol.user._id).expect(200);
      expect(left.body.map((m: { text: string }) => m.text)).toEqual(['stays']);
      await api.conversation(bob.cookie, alice.user._id).expect(404);
      const contacts = await api.contacts(bob.cookie, '?limit=500').expect(200);
      expect(contacts.body.map((user: { _id: string }) => user._id)).not.toContain(alice.user._id);
    });
  });

  it('documents the routes in Swagger with every status', async () => {
    const doc = (await http().get('/api/docs-json').expect(200)).body;
    const send = doc.paths['/api/messages/send/{id}'].post;
    expect(Object.keys(send.responses)).toEqual(
      expect.arrayContaining(['201', '400', '401', '403', '404', '413', '415', '429', '502', '503', '504']),
    );
    for (const [status, response] of Object.entries(send.responses) as Array<
      [string, { content?: object }]
    >) {
      if (Number(status) >= 400) expect(JSON.stringify(response.content)).toContain('ErrorResponseDto');
    }
    expect(Object.keys(doc.paths['/api/messages/{id}'].get.responses)).toEqual(
      expect.arrayContaining(['200', '400', '401', '404', '503']),
    );
    expect(Object.keys(doc.components.schemas.ChatMessageResponseDto.properties).sort()).toEqual(
      MESSAGE_KEYS,
    );
    expect(Object.keys(doc.components.schemas.MessageResponseDto.properties)).toEqual(['message']);
    expect(Object.keys(doc.paths['/api/messages/users'].get.responses)).toEqual(
      expect.arrayContaining(['200', '400', '401', '503']),
    );
  });
});

describe('Message pictures on Cloudinary (e2e)', () => {
  const fake = new FakeCloudinary();
  let app: NestExpressApplication;
  let db: Connection;
  const http = () => request(app.getHttpServer());
  const api = messagesApi(http);
  const countFrom = (userId: string) =>
    db.collection('messages').countDocuments({ senderId: new Types.ObjectId(userId) });

  beforeAll(async () => {
    await fake.start();
    app = await createTestApp({
      CLOUDINARY_URL: fake.url,
      UPLOAD_TIMEOUT_MS: String(UPLOAD_TIMEOUT_MS),
    });
    db = databaseOf(app);
  });
  afterAll(async () => {
    await app.close();
    await fake.stop();
  });
  beforeEach(() => fake.reset());

  it('uploads the picture through the SDK and stores the secure URL', async () => {
    const alice = await signUp(app);
    const bob = await signUp(app);
    const image = png(5, 5);
    const res = await api.send(alice.cookie, bob.user._id, { image: dataUri(image) }).expect(201);
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({
      action: 'upload',
      signatureValid: true,
    });
    expect(await decode(fake.requests[0].file!)).toMatchObject({ format: 'webp', width: 5, height: 5 });
    expect(res.body.image).toMatch(/^https:\/\/res\.cloudinary\.com\/fake-cloud\/image\/upload\/v\d+\//);
  });

  it('answers 502 when the upload fails and stores no message', async () => {
    const alice = await signUp(app);
    const bob = await signUp(app);
    fake.mode.upload = 'fail';
    const res = await api
      .send(alice.cookie, bob.user._id, {
        text: 'with pic',
        image: dataUri(png()),
      })
      .expect(502);
    expect(res.body.message).toBe('The picture could not be stored, please try again later');
    expect(JSON.stringify(res.body)).not.toContain(fake.failureDetail);
    expect(await countFrom(alice.user._id)).toBe(0);
  });

  it('answers 504 when the store hangs, stores no message, and deletes a late upload', async () => {
    const alice = await signUp(app);
    const bob = await signUp(app);
    fake.mode.upload = 'slow';
    fake.slowMs = UPLOAD_TIMEOUT_MS + 500;
    await api.send(alice.cookie, bob.user._id, { image: dataUri(png()) }).expect(504);
    expect(await countFrom(alice.user._id)).toBe(0);
    await vi.waitFor(() => expect(fake.requests.map((r) => r.action)).toEqual(['upload', 'destroy']), {
      timeout: 10_000,
    });
  });

  it('destroys the pictures of a deleted account', async () => {
    const alice = await signUp(app);
    const bob = await signUp(app);
    await api.send(alice.cookie, bob.user._id, { image: dataUri(png()) }).expect(201);
    await http()
      .delete('/api/users/me')
      .set('Cookie', alice.cookie)
      .send({ password: GOOD_PASSWORD })
      .expect(204);
    expect(fake.requests.map((r) => r.action)).toEqual(['upload', 'destroy']);
    expect(fake.requests[1].signatureValid).toBe(true);
  });
});

describe('Sending rate limit (e2e)', () => {
  let app: NestExpressApplication;
  const http = () => request(app.getHttpServer());
  const api = messagesApi(http);

  afterEach(async () => {
    await app.close();
  });

  it('allows 30 messages in 10 seconds per sender, then answers 429 with Retry-After', async () => {
    app = await createTestApp({ RATE_LIMIT_AUTH_PER_MINUTE: '1000' });
    const alice = await signUp(app);
    const bob = await signUp(app);
    for (let i = 0; i < 30; i++) await api.send(alice.cookie, bob.user._id, { text: `m${i}` }).expect(201);
    const limited = await api.send(alice.cookie, bob.user._id, { text: 'one too many' }).expect(429);
    expect(limited.body.message).toMatch(/too fast/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(10);
    await api.send(bob.cookie, alice.user._id, { text: 'others may still send' }).expect(201);
  });

  it('is off with RATE_LIMIT_AUTH_PER_MINUTE=0', async () => {
    app = await createTestApp({ RATE_LIMIT_AUTH_PER_MINUTE: '0' });
    const alice = await signUp(app);
    const bob = await signUp(app);
    for (let i = 0; i < 35; i++) await api.send(alice.cookie, bob.user._id, { text: `m${i}` }).expect(201);
  });
});

/** Inserts `count` alternating messages straight into the database, oldest first; returns their texts. */
async function insertConversation(db: Connection, a: string, b: string, count: number): Promise<string[]> {
  const [first, second] = [new Types.ObjectId(a), new Types.ObjectId(b)];
  const start = Date.now() - count * 1000;
  const docs = Array.from({ length: count }, (_, i) => {
    const at = new Date(start + i * 1000);
    return {
      _id: new Types.ObjectId(),
      senderId: i % 2 ? second : first,
      receiverId: i % 2 ? first : second,
      text: `message ${i}`,
      createdAt: at,
      updatedAt: at,
    };
  });
  for (let i = 0; i < docs.length; i += 1000)
    await db.collection('messages').insertMany(docs.slice(i, i + 1000));
  return docs.map((doc) => doc.text);
}
