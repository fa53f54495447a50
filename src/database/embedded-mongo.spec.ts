import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
      db.collection('items').find({}, { projection: { _id: 0 } }).sort({ n: 1 }).toArray(),
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
