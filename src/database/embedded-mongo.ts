import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import type { AddressInfo, Server } from 'node:net';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import {
  CommandRouter,
  CongoServer,
  plugins,
} from '@push.rocks/smartmongo/dist_ts/congodb/index.js';
import type { IStorageAdapter } from '@push.rocks/smartmongo/dist_ts/congodb/index.js';

/*
 * Why this exists: no mongod binary can be installed on our development and CI machines, so when
 * MONGODB_URI is unset we run CongoDB (a MongoDB wire-protocol server written in TypeScript) in-process
 * and connect Mongoose to it over TCP like to any MongoDB. CongoDB has gaps this module closes or works
 * around, so the application behaves as on a real server:
 * - it does not enforce unique secondary indexes: every command here runs one at a time, and inserts and
 *   updates are checked against the unique indexes, failing with a real duplicate-key error (11000);
 * - its index commands cache per collection name for the whole process, so a second server in one
 *   process (the e2e tests) would write its indexes into the first one's storage: we answer them here;
 * - it cannot persist BSON types faithfully (dates and ObjectIds come back as strings): we snapshot the
 *   data ourselves as canonical Extended JSON under DATA_DIR;
 * - collation, TTL expiry, transactions, $text, change streams and string _ids do not work, and every
 *   query scans its whole collection: application code must not depend on any of these.
 */

type StoredDocument = Record<string, unknown> & { _id: unknown };
type IndexSpec = Awaited<ReturnType<IStorageAdapter['getIndexes']>>[number];
interface Snapshot {
  databases: Record<string, Record<string, { docs: StoredDocument[]; indexes: IndexSpec[] }>>;
}

const { EJSON } = plugins.bson;
const WRITE_COMMANDS = new Set([
  'insert',
  'update',
  'delete',
  'findAndModify',
  'createIndexes',
  'dropIndexes',
  'drop',
  'dropDatabase',
  'create',
  'renameCollection',
]);

const INDEX_COMMANDS = new Set(['createIndexes', 'listIndexes', 'dropIndexes']);

export interface EmbeddedMongoOptions {
  /** Folder for the data snapshot; omit to keep everything in memory. */
  dataDir?: string;
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
}

export class EmbeddedMongo {
  private readonly logger = new Logger(EmbeddedMongo.name);
  private server?: CongoServer;
  private snapshotFile?: string;
  private persistTimer?: NodeJS.Timeout;
  private persisting: Promise<void> = Promise.resolve();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: EmbeddedMongoOptions = {}) {}

  get uri(): string {
    if (!this.server?.running) throw new Error('The embedded MongoDB server is not running');
    const address = (this.server as unknown as { server: Server }).server.address() as AddressInfo;
    return `mongodb://127.0.0.1:${address.port}`;
  }

  async start(): Promise<string> {
    const server = new CongoServer({ host: '127.0.0.1', port: this.options.port ?? 0 });
    const storage = server.getStorage();
    if (this.options.dataDir) {
      const dir = join(this.options.dataDir, 'embedded-mongo');
      await mkdir(dir, { recursive: true, mode: 0o700 });
      this.snapshotFile = join(dir, 'snapshot.ejson');
      await storage.initialize();
      // Before the uniqueness checks are installed: the snapshot was unique when it was written.
      await this.restore(storage);
    }
    this.enforceUniqueIndexes(storage);
    this.serializeCommands(server, storage);
    await server.start();
    this.server = server;
    return this.uri;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    clearTimeout(this.persistTimer);
    await server.stop();
    await this.persistNow(server.getStorage());
  }

  /** Runs each command alone, so a uniqueness check and the write it guards cannot interleave. */
  private serializeCommands(server: CongoServer, storage: IStorageAdapter): void {
    const router = new CommandRouter(storage, server);
    const route = router.route.bind(router);
    router.route = (command) => {
      const handle = INDEX_COMMANDS.has(command.commandName)
        ? () => indexCommand(storage, command.database, command.command)
        : () => route(command);
      const result = this.queue.then(handle);
      this.queue = result.catch(() => undefined);
      if (this.snapshotFile && WRITE_COMMANDS.has(command.commandName)) {
        void result.then(() => this.schedulePersist(storage));
      }
      return result;
    };
    (server as unknown as { commandRouter: CommandRouter }).commandRouter = router;
  }

  private enforceUniqueIndexes(storage: IStorageAdapter): void {
    const insertOne = storage.insertOne.bind(storage);
    const updateById = storage.updateById.bind(storage);
    storage.insertOne = async (db, coll, doc) => {
      await assertUnique(storage, db, coll, doc as StoredDocument);
      return insertOne(db, coll, doc);
    };
    storage.updateById = async (db, coll, id, doc) => {
      await assertUnique(storage, db, coll, doc as StoredDocument);
      return updateById(db, coll, id, doc);
    };
  }

  private schedulePersist(storage: IStorageAdapter): void {
    clearTimeout(this.persistTimer);
    this.persistTimer = setTimeout(() => {
      this.persistNow(storage).catch((error: Error) =>
        this.logger.error(`Could not save the embedded database snapshot: ${error.message}`),
      );
    }, 50);
  }

  private persistNow(storage: IStorageAdapter): Promise<void> {
    const file = this.snapshotFile;
    if (!file) return Promise.resolve();
    // A failed snapshot must not stop the ones after it.
    this.persisting = this.persisting.catch(() => undefined).then(async () => {
      const snapshot: Snapshot = { databases: {} };
      for (const db of await storage.listDatabases()) {
        snapshot.databases[db] = {};
        for (const coll of await storage.listCollections(db)) {
          snapshot.databases[db][coll] = {
            docs: (await storage.findAll(db, coll)) as StoredDocument[],
            indexes: await storage.getIndexes(db, coll),
          };
        }
      }
      const tmp = `${file}.${process.pid}.tmp`;
      // The snapshot holds password hashes: readable by the server's user only.
      await writeFile(tmp, EJSON.stringify(snapshot, { relaxed: false }), { mode: 0o600 });
      await rename(tmp, file);
    });
    return this.persisting;
  }

  private async restore(storage: IStorageAdapter): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.snapshotFile!, 'utf8');
    } catch {
      return;
    }
    const snapshot = EJSON.parse(text, { relaxed: false }) as Snapshot;
    for (const [db, collections] of Object.entries(snapshot.databases)) {
      for (const [coll, { docs, indexes }] of Object.entries(collections)) {
        await storage.createCollection(db, coll);
        for (const index of indexes) {
          if (index.name !== '_id_') await storage.saveIndex(db, coll, index.name, index);
        }
        await storage.insertMany(db, coll, docs);
      }
    }
  }
}

type IndexCommand = Record<string, unknown> & {
  createIndexes?: string;
  listIndexes?: string;
  dropIndexes?: string;
  indexes?: Array<IndexSpec & { name?: string }>;
  index?: string;
};

async function indexCommand(storage: IStorageAdapter, db: string, command: IndexCommand) {
  if (command.createIndexes) {
    const coll = command.createIndexes;
    await storage.createCollection(db, coll);
    const numIndexesBefore = (await storage.getIndexes(db, coll)).length;
    for (const { key, name, unique, sparse, expireAfterSeconds } of command.indexes ?? []) {
      const indexName = name ?? Object.entries(key).map(([field, dir]) => `${field}_${dir}`).join('_');
      await storage.saveIndex(db, coll, indexName, { key, unique, sparse, expireAfterSeconds });
    }
    const numIndexesAfter = (await storage.getIndexes(db, coll)).length;
    return { ok: 1, numIndexesBefore, numIndexesAfter, createdCollectionAutomatically: false };
  }
  if (command.listIndexes) {
    const firstBatch = (await storage.getIndexes(db, command.listIndexes)).map((index) => ({
      v: 2,
      ...index,
    }));
    const ns = `${db}.${command.listIndexes}`;
    return { ok: 1, cursor: { id: plugins.bson.Long.fromNumber(0), ns, firstBatch } };
  }
  const coll = command.dropIndexes!;
  const names =
    command.index === '*'
      ? (await storage.getIndexes(db, coll)).map((index) => index.name)
      : [String(command.index)];
  for (const name of names.filter((name) => name !== '_id_')) await storage.dropIndex(db, coll, name);
  return { ok: 1 };
}

async function assertUnique(
  storage: IStorageAdapter,
  db: string,
  coll: string,
  doc: StoredDocument,
): Promise<void> {
  const unique = (await storage.getIndexes(db, coll)).filter(
    (index) => index.unique && index.name !== '_id_',
  );
  if (unique.length === 0) return;
  const others = (await storage.findAll(db, coll)).filter(
    (other) => !sameValue(other._id, doc._id),
  );
  for (const index of unique) {
    const fields = Object.keys(index.key);
    const values = fields.map((field) => readPath(doc, field));
    if (index.sparse && values.every((value) => value === undefined)) continue;
    const key = EJSON.stringify(values.map((value) => value ?? null));
    const clash = others.some(
      (other) =>
        EJSON.stringify(fields.map((field) => readPath(other, field) ?? null)) === key,
    );
    if (clash) {
      throw Object.assign(
        new Error(`E11000 duplicate key error collection: ${db}.${coll} index: ${index.name}`),
        { code: 11000, codeName: 'DuplicateKey' },
      );
    }
  }
}

function readPath(doc: Record<string, unknown>, path: string): unknown {
  let value: unknown = doc;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function sameValue(a: unknown, b: unknown): boolean {
  return EJSON.stringify({ v: a }) === EJSON.stringify({ v: b });
}
