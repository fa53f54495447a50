import { ConfigService } from '@nestjs/config';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { getModelToken, MongooseModule } from '@nestjs/mongoose';
import { Test, type TestingModule } from '@nestjs/testing';
import { type Model, Types } from 'mongoose';
import type { AppConfig } from '../../config/app-config.js';
import { EmbeddedMongo } from '../../database/embedded/embedded-mongo.js';
import { CacheInvalidationBus } from '../../redis/cache-invalidation.bus.js';
import { RedisService } from '../../redis/redis.service.js';
import { Session, SessionSchema } from './session.schema.js';
import { SessionsService } from './sessions.service.js';

const LIFETIME_S = 3600;
const MINUTE_MS = 60_000;

describe('SessionsService (on the embedded database)', () => {
  const mongo = new EmbeddedMongo();
  const config = new ConfigService<AppConfig, true>({
    auth: { jwtExpiresInSeconds: LIFETIME_S },
    redis: { keyPrefix: 'unit:' },
  });
  let moduleRef: TestingModule;
  let sessions: SessionsService;
  let model: Model<Session>;

  beforeAll(async () => {
    const uri = await mongo.start();
    moduleRef = await Test.createTestingModule({
      imports: [
        MongooseModule.forRoot(`${uri}/x`, { serverMonitoringMode: 'poll' }),
        MongooseModule.forFeature([{ name: Session.name, schema: SessionSchema }]),
      ],
      providers: [
        SessionsService,
        RedisService,
        CacheInvalidationBus,
        EventEmitter2,
        { provide: ConfigService, useValue: config },
      ],
    }).compile();
    await moduleRef.init();
    sessions = moduleRef.get(SessionsService);
    model = moduleRef.get<Model<Session>>(getModelToken(Session.name));
  });
  afterAll(async () => {
    await moduleRef.close();
    await mongo.stop();
  });

  it('announces the sessions each revocation ended (session.revoked)', async () => {
    const events = moduleRef.get(EventEmitter2);
    const announced: unknown[] = [];
    const listener = (event: unknown) => announced.push(event);
    events.on('session.revoked', listener);
    try {
      const user = newUser();
      const [a, b, c] = await Promise.all([1, 2, 3].map(() => sessions.create(user, {})));
      await sessions.revoke(a._id);
      await sessions.revokeAll(user, c._id);
      await sessions.revokeOwn(user, c._id);
      await sessions.revokeOwn(user, c._id);
      await sessions.revokeAll(user);
      const userId = user.toHexString();
      expect(announced).toEqual([
        { userId, sessionIds: [a._id.toHexString()] },
        { userId, sessionIds: [b._id.toHexString()] },
        { userId, sessionIds: [c._id.toHexString()] },
      ]);
    } finally {
      events.off('session.revoked', listener);
    }
  });

  /** Another instance (or this one after its cache has expired): it knows only what is in the database. */
  const freshService = () =>
    new SessionsService(
      model,
      config,
      new CacheInvalidationBus(new RedisService(config)),
      new EventEmitter2(),
    );
  const newUser = () => new Types.ObjectId();
  const storedLastSeen = async (sid: Types.ObjectId) =>
    (await model.findById(sid).lean().orFail().exec()).lastSeenAt.getTime();

  it('creates a session that findActive then returns', async () => {
    const user = newUser();
    const before = Date.now();
    const created = await sessions.create(user, { userAgent: 'x'.repeat(600), ip: '203.0.113.7' });

    expect(created.user.equals(user)).toBe(true);
    expect(created.userAgent).toHaveLength(512);
    expect(created.ip).toBe('203.0.113.7');
    expect(created.expiresAt.getTime() - before).toBeGreaterThanOrEqual(LIFETIME_S * 1000);
    expect(created.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(LIFETIME_S * 1000);

    const found = await sessions.findActive(created._id.toHexString(), user.toHexString());
    expect(found?._id.equals(created._id)).toBe(true);
    expect(found?.user.equals(user)).toBe(true);
  });

  it("returns null for another user's session", async () => {
    const created = await sessions.create(newUser(), {});
    expect(await sessions.findActive(created._id.toHexString(), newUser().toHexString())).toBeNull();
  });

  it.each(['', 'x', 'not-an-object-id', '0123456789abcdef0123456', '0123456789abcdef01234567'])(
    'returns null for the malformed or unknown session id "%s"',
    async (sid) => {
      expect(await sessions.findActive(sid, newUser().toHexString())).toBeNull();
    },
  );

  it('returns null once revoked, also when the session was cached', async () => {
    const user = newUser();
    const uncached = await sessions.create(user, {});
    const cached = await sessions.create(user, {});
    expect(await sessions.findActive(cached._id.toHexString(), user.toHexString())).not.toBeNull();

    await sessions.revoke(uncached._id);
    await sessions.revoke(cached._id);
    expect(await sessions.findActive(uncached._id.toHexString(), user.toHexString())).toBeNull();
    expect(await sessions.findActive(cached._id.toHexString(), user.toHexString())).toBeNull();
    expect(await model.countDocuments({ user })).toBe(0);
  });

  it("revokeOwn refuses another user's session and leaves it working", async () => {
    const owner = newUser();
    const mallory = newUser();
    const session = await sessions.create(owner, {});
    await sessions.findActive(session._id.toHexString(), owner.toHexString());

    expect(await sessions.revokeOwn(mallory, session._id)).toBe(false);
    expect(await sessions.findActive(session._id.toHexString(), owner.toHexString())).not.toBeNull();
    expect(await freshService().findActive(session._id.toHexString(), owner.toHexString())).not.toBeNull();

    expect(await sessions.revokeOwn(owner, session._id)).toBe(true);
    expect(await sessions.findActive(session._id.toHexString(), owner.toHexString())).toBeNull();
    expect(await sessions.revokeOwn(owner, session._id)).toBe(false);
  });

  it("revokeAll ends every session of the user but the one to keep, and nobody else's", async () => {
    const user = newUser();
    const other = newUser();
    const [first, kept, third] = [
      await sessions.create(user, {}),
      await sessions.create(user, {}),
      await sessions.create(user, {}),
    ];
    const othersSession = await sessions.create(other, {});
    // Asked of this instance (through its cache) and of a fresh one (the database alone).
    const state = async (sid: Types.ObjectId, owner: Types.ObjectId) => ({
      thisInstance: (await sessions.findActive(sid.toHexString(), owner.toHexString())) !== null,
      database: (await freshService().findActive(sid.toHexString(), owner.toHexString())) !== null,
    });
    const LIVE = { thisInstance: true, database: true };
    const GONE = { thisInstance: false, database: false };
    // All cached first, so that revokeAll has to clear the cache too.
    for (const session of [first, kept, third]) expect(await state(session._id, user)).toEqual(LIVE);
    expect(await state(othersSession._id, other)).toEqual(LIVE);

    await sessions.revokeAll(user, kept._id);
    expect(await state(first._id, user)).toEqual(GONE);
    expect(await state(kept._id, user)).toEqual(LIVE);
    expect(await state(third._id, user)).toEqual(GONE);
    expect(await state(othersSession._id, other)).toEqual(LIVE);

    await sessions.revokeAll(user);
    expect(await state(kept._id, user)).toEqual(GONE);
    expect(await state(othersSession._id, other)).toEqual(LIVE);
  });

  it('lists the live sessions of one user, newest first', async () => {
    const user = newUser();
    const older = await sessions.create(user, { userAgent: 'older' });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const newer = await sessions.create(user, { userAgent: 'newer' });
    const expired = await sessions.create(user, {});
    await model.updateOne({ _id: expired._id }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    await sessions.create(newUser(), {});

    const listed = await sessions.listForUser(user);
    expect(listed.map((session) => session._id.toHexString())).toEqual([
      newer._id.toHexString(),
      older._id.toHexString(),
    ]);
  });

  it('returns null for an expired session', async () => {
    const user = newUser();
    const neverLoaded = await sessions.create(user, {});
    const loaded = await sessions.create(user, {});
    expect(await sessions.findActive(loaded._id.toHexString(), user.toHexString())).not.toBeNull();
    await model.updateMany({ user }, { $set: { expiresAt: new Date(Date.now() - 1000) } });

    expect(await sessions.findActive(neverLoaded._id.toHexString(), user.toHexString())).toBeNull();
    expect(await freshService().findActive(loaded._id.toHexString(), user.toHexString())).toBeNull();
  });

  it('writes lastSeenAt when the stored one is a minute old or more, and not more often', async () => {
    const user = newUser();
    const recent = await sessions.create(user, {});
    const stale = await sessions.create(user, {});
    const recentSeenAt = Date.now() - 30_000;
    const staleSeenAt = Date.now() - 2 * MINUTE_MS;
    // Set back in the database before the service has ever loaded them.
    await model.updateOne({ _id: recent._id }, { $set: { lastSeenAt: new Date(recentSeenAt) } });
    await model.updateOne({ _id: stale._id }, { $set: { lastSeenAt: new Date(staleSeenAt) } });

    const seenRecent = await sessions.findActive(recent._id.toHexString(), user.toHexString());
    const seenStale = await sessions.findActive(stale._id.toHexString(), user.toHexString());
    expect(seenRecent?.lastSeenAt.getTime()).toBe(recentSeenAt);
    expect(seenStale?.lastSeenAt.getTime()).toBeGreaterThan(Date.now() - 1000);

    // The write is not awaited by findActive: wait for it to land.
    await expect.poll(() => storedLastSeen(stale._id), { timeout: 2000 }).toBeGreaterThan(staleSeenAt);
    expect(await storedLastSeen(stale._id)).toBeGreaterThan(Date.now() - 2000);
    // Issued before the stale session's write, which has landed: a write of this one would have too.
    expect(await storedLastSeen(recent._id)).toBe(recentSeenAt);
  });
});
