import { appendFile, cp, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import mongoose from 'mongoose';
import { EmbeddedMongo } from './embedded-mongo.js';

async function withConnection<T>(server: EmbeddedMongo, work: (db: mongoose.Connection) => Promise<T>) {
  const connection = await mongoose
    .createConnection(`${server.uri}/probe`, { serverMonitoringMode: 'poll' })
    .asPromise();
  try {
    return await work(connection);
  } finally {
    await connection.close();
  }
}

describe('EmbeddedMongo snapshots', () => {
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'embedded-mongo-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps saving snapshots after one could not be written', async () => {
    const first = new EmbeddedMongo({ dataDir });
    await first.start();
    // A directory where the snapshot's temporary file goes makes the next save fail.
    const blocker = join(dataDir, 'embedded-mongo', `snapshot.ejson.${process.pid}.tmp`);
    await mkdir(blocker);
    await withConnection(first, (db) => db.collection('items').insertOne({ n: 1 }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await rm(blocker, { recursive: true });
    await withConnection(first, (db) => db.collection('items').insertOne({ n: 2 }));
    await first.stop();

    const second = new EmbeddedMongo({ dataDir });
    await second.start();
    const restored = await withConnection(second, (db) =>
      db
        .collection('items')
        .find({}, { projection: { _id: 0 } })
        .sort({ n: 1 })
        .toArray(),
    );
    await second.stop();
    expect(restored).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('restores unique indexes and enforces them after a restart', async () => {
    const first = new EmbeddedMongo({ dataDir });
    await first.start();
    await withConnection(first, async (db) => {
      await db.collection('users').createIndex({ email: 1 }, { unique: true });
      await db.collection('users').insertMany([{ email: 'a@x.io' }, { email: 'b@x.io' }]);
    });
    await first.stop();

    const second = new EmbeddedMongo({ dataDir });
    await second.start();
    try {
      await withConnection(second, async (db) => {
        expect(await db.collection('users').countDocuments()).toBe(2);
        await expect(db.collection('users').insertOne({ email: 'a@x.io' })).rejects.toMatchObject({
          code: 11000,
        });
      });
    } finally {
      await second.stop();
    }
  });
});

/** What a crash at this moment would leave on disk: the files as they are, without the lock's owner. */
async function crashImage(dataDir: string): Promise<string> {
  const copy = await mkdtemp(join(tmpdir(), 'embedded-mongo-crash-'));
  // A compaction still running in the background may remove a journal while it is being copied
  // (a real crash image is taken at one instant): copy again once it has.
  for (let attempt = 1; ; attempt++) {
    try {
      await cp(join(dataDir, 'embedded-mongo'), join(copy, 'embedded-mongo'), {
        recursive: true,
        // Nor its socket, which cannot be copied (a start removes one a crash left).
        filter: (source) => !source.endsWith('lock') && !source.endsWith('.sock'),
      });
      return copy;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt === 5) throw error;
      await rm(join(copy, 'embedded-mongo'), { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function startedOn(dataDir: string, options: { journalMaxBytes?: number } = {}) {
  const server = new EmbeddedMongo({ dataDir, ...options });
  await server.start();
  return server;
}

describe('EmbeddedMongo journal', () => {
  const folders: string[] = [];
  const servers: EmbeddedMongo[] = [];
  const tempDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'embedded-mongo-'));
    folders.push(dir);
    return dir;
  };
  const track = (server: EmbeddedMongo) => (servers.push(server), server);

  afterEach(async () => {
    vi.restoreAllMocks();
    for (const server of servers.splice(0)) await server.stop();
    for (const dir of folders.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it('replays every acknowledged write after a crash, with the values the server computed', async () => {
    const dataDir = await tempDir();
    const first = track(await startedOn(dataDir));
    const expected = await withConnection(first, async (db) => {
      const items = db.collection('items');
      await items.createIndex({ name: 1 }, { unique: true });
      await items.insertMany([
        { name: 'a', n: 1 },
        { name: 'b', n: 1 },
        { name: 'c', n: 1 },
      ]);
      await items.updateOne({ name: 'a' }, { $inc: { n: 5 }, $set: { at: new Date('2026-01-01') } });
      await items.updateOne({ name: 'd' }, { $inc: { n: 2 } }, { upsert: true });
      await items.findOneAndUpdate({ name: 'b' }, { $inc: { n: 10 } });
      await items.deleteOne({ name: 'c' });
      await items.updateOne({ name: 'b' }, { $set: { name: 'c' } });
      return items.find().sort({ name: 1 }).toArray();
    });
    const copy = await crashImage(dataDir);
    folders.push(copy);

    const second = track(await startedOn(copy));
    await withConnection(second, async (db) => {
      const items = db.collection('items');
      expect(await items.find().sort({ name: 1 }).toArray()).toEqual(expected);
      await expect(items.insertOne({ name: 'c' })).rejects.toMatchObject({ code: 11000 });
      await items.insertOne({ name: 'b' });
    });
  });

  it('restores numbers as numbers, from the journal and from a snapshot, so $inc keeps working', async () => {
    const dataDir = await tempDir();
    const first = track(await startedOn(dataDir));
    await withConnection(first, async (db) => {
      await db.collection('counters').insertOne({ key: 'k', count: 1, ratio: 0.5 });
      await db.collection('counters').updateOne({ key: 'k' }, { $inc: { count: 1 } });
    });
    const copy = await crashImage(dataDir);
    folders.push(copy);
    const incAfterRestart = async (server: EmbeddedMongo, expected: number) =>
      withConnection(server, async (db) => {
        const counters = db.collection('counters');
        await counters.updateOne({ key: 'k' }, { $inc: { count: 1, ratio: 0.25 } });
        expect(await counters.findOne({ key: 'k' }, { projection: { _id: 0 } })).toEqual({
          key: 'k',
          count: expected,
          ratio: expected / 4,
        });
      });

    // From the journal, after a crash.
    const replayed = track(await startedOn(copy));
    await incAfterRestart(replayed, 3);
    // From the snapshot a clean stop writes.
    await replayed.stop();
    servers.splice(servers.indexOf(replayed), 1);
    await incAfterRestart(track(await startedOn(copy)), 4);
  });

  it('drops a torn journal tail with a warning and keeps the records before it', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const dataDir = await tempDir();
    const first = track(await startedOn(dataDir));
    await withConnection(first, (db) => db.collection('items').insertMany([{ n: 1 }, { n: 2 }]));
    const copy = await crashImage(dataDir);
    folders.push(copy);
    const folder = join(copy, 'embedded-mongo');
    const journal = (await readdir(folder)).find((name) => name.startsWith('journal-'))!;
    // A record header promising more bytes than follow it: a write cut short by the crash.
    await appendFile(join(folder, journal), Buffer.from([200, 0, 0, 0, 1, 2, 3, 4, 5, 6]));

    const second = track(await startedOn(copy));
    const items = await withConnection(second, (db) =>
      db
        .collection('items')
        .find({}, { projection: { _id: 0 } })
        .sort({ n: 1 })
        .toArray(),
    );
    expect(items).toEqual([{ n: 1 }, { n: 2 }]);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/dropped its last 10 bytes \(torn record/));
  });

  it('writes snapshots and starts new journals as the journal grows, losing nothing', async () => {
    const dataDir = await tempDir();
    const first = await startedOn(dataDir, { journalMaxBytes: 16 * 1024 });
    await withConnection(first, async (db) => {
      const items = db.collection('items');
      await items.createIndex({ n: 1 }, { unique: true });
      for (let batch = 0; batch < 20; batch++) {
        await Promise.all(
          Array.from({ length: 25 }, (_, k) => items.insertOne({ n: batch * 25 + k, pad: 'x'.repeat(100) })),
        );
      }
    });
    const files = await readdir(join(dataDir, 'embedded-mongo'));
    expect(files).toContain('snapshot.ejson');
    // About 70 KB were journaled: several compactions happened, and old journals were removed.
    expect(files.filter((name) => name.startsWith('journal-')).length).toBeLessThanOrEqual(2);
    const copy = await crashImage(dataDir);
    folders.push(copy);
    await first.stop();

    for (const dir of [copy, dataDir]) {
      const restarted = track(await startedOn(dir));
      await withConnection(restarted, async (db) => {
        expect(await db.collection('items').countDocuments()).toBe(500);
        await expect(db.collection('items').insertOne({ n: 499 })).rejects.toMatchObject({ code: 11000 });
      });
    }
  });

  it('refuses a second server on the same DATA_DIR, naming the folder and the owner', async () => {
    const dataDir = await tempDir();
    track(await startedOn(dataDir));
    const second = new EmbeddedMongo({ dataDir, lockWaitMs: 300 });
    await expect(second.start()).rejects.toThrow(
      new RegExp(`DATA_DIR ${dataDir} is in use by another process \\(pid ${process.pid}\\)`),
    );
  });
});

describe('EmbeddedMongo unique indexes and the lookups they serve', () => {
  let server: EmbeddedMongo;
  beforeEach(async () => {
    server = new EmbeddedMongo();
    await server.start();
  });
  afterEach(() => server.stop());

  it('follows updates and deletes: a freed key can be taken again, a taken one cannot', async () => {
    await withConnection(server, async (db) => {
      const users = db.collection('users');
      await users.createIndex({ email: 1 }, { unique: true });
      await users.insertMany([{ email: 'a@x.io' }, { email: 'b@x.io' }]);
      await users.updateOne({ email: 'a@x.io' }, { $set: { email: 'c@x.io' } });
      await users.insertOne({ email: 'a@x.io' });
      await expect(users.updateOne({ email: 'b@x.io' }, { $set: { email: 'c@x.io' } })).rejects.toMatchObject(
        {
          code: 11000,
        },
      );
      await expect(
        users.findOneAndUpdate({ email: 'x@x.io' }, { $set: { email: 'b@x.io' } }, { upsert: true }),
      ).rejects.toMatchObject({ code: 11000 });
      await users.deleteOne({ email: 'c@x.io' });
      await users.insertOne({ email: 'c@x.io' });
      expect(await users.countDocuments()).toBe(3);
    });
  });

  it('refuses to build a unique index over duplicates, and forgets indexes that are dropped', async () => {
    await withConnection(server, async (db) => {
      const items = db.collection('items');
      await items.insertMany([{ k: 1 }, { k: 1 }]);
      await expect(items.createIndex({ k: 1 }, { unique: true })).rejects.toMatchObject({ code: 11000 });
      await items.insertOne({ k: 1 });
      const other = db.collection('other');
      await other.createIndex({ k: 1 }, { unique: true });
      await other.insertOne({ k: 1 });
      await other.drop();
      await other.insertMany([{ k: 1 }, { k: 1 }]);
      expect(await other.countDocuments()).toBe(2);
    });
  });

  it('answers lookups by _id or unique key exactly as a full scan would, other conditions applied as a full scan would, with the other conditions of the filter applied', async () => {
    await withConnection(server, async (db) => {
      const users = db.collection('users');
      await users.createIndex({ email: 1 }, { unique: true });
      const { insertedIds } = await users.insertMany(
        Array.from({ length: 50 }, (_, n) => ({ email: `u${n}@x.io`, n })),
      );
      expect(await users.findOne({ email: 'u7@x.io' })).toMatchObject({ n: 7 });
      expect(await users.findOne({ email: { $eq: 'u8@x.io' } })).toMatchObject({ n: 8 });
      expect(await users.findOne({ email: 'u7@x.io', n: 8 })).toBeNull();
      expect(await users.findOne({ email: 'nobody@x.io' })).toBeNull();
      expect(await users.findOne({ _id: insertedIds[9] })).toMatchObject({ n: 9 });
      expect(await users.countDocuments({ email: 'u3@x.io' })).toBe(1);
      await users.updateOne({ email: 'u3@x.io' }, { $inc: { n: 100 } });
      expect(await users.findOne({ _id: insertedIds[3] })).toMatchObject({ n: 103 });
      await users.deleteOne({ email: 'u4@x.io' });
      expect(await users.countDocuments()).toBe(49);
      expect(await users.countDocuments({ n: { $gte: 40 } })).toBe(11);
    });
  });

  it('falls back to a scan once an indexed field holds an array', async () => {
    await withConnection(server, async (db) => {
      const tags = db.collection('tags');
      await tags.createIndex({ tag: 1 }, { unique: true });
      await tags.insertOne({ tag: ['red', 'blue'] });
      expect(await tags.findOne({ tag: 'blue' })).toMatchObject({ tag: ['red', 'blue'] });
    });
  });
});
