import { chmod, mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandRouter, CongoServer, plugins } from '@push.rocks/smartmongo/dist_ts/congodb/index.js';
import type { IStorageAdapter } from '@push.rocks/smartmongo/dist_ts/congodb/index.js';
import { DurableStore } from './durable-store.js';
import type { JournalOp } from './journal-ops.js';
import { hookStorage } from './storage-hooks.js';
import { UniqueIndexes } from './unique-indexes.js';
import { DEFAULT_JOURNAL_MAX_BYTES } from '../../config/app-config.js';

/*
 * Why this exists: no mongod binary can be installed on our development and CI machines, so when
 * MONGODB_URI is unset we run CongoDB (a MongoDB wire-protocol server written in TypeScript) in-process
 * and connect Mongoose to it over TCP like to any MongoDB. CongoDB has gaps this module closes or works
 * around, so the application behaves as on a real server:
 * - it does not enforce unique secondary indexes: every command here runs one at a time, and writes are
 *   checked against in-memory maps of the unique indexes, failing with a real duplicate-key error (11000);
 * - its index commands cache per collection name for the whole process, so a second server in one
 *   process (the e2e tests) would write its indexes into the first one's storage: we answer them here;
 * - it cannot persist anything durably: with a data folder, every change is journaled and fsync'ed
 *   before its reply goes out, with snapshots as canonical Extended JSON (see DurableStore);
 * - collation, TTL expiry, transactions, $text, change streams and string _ids do not work, and every
 *   query scans its whole collection: application code must not depend on any of these.
 */

/** The Unix socket's name: the MongoDB driver takes a host ending in `.sock` as a socket path. */
const SOCKET_NAME = 'mongod.sock';
/** Longest socket path every platform takes (Linux allows 107 bytes, macOS 103). */
const MAX_SOCKET_PATH_BYTES = 100;

type IndexSpec = Awaited<ReturnType<IStorageAdapter['getIndexes']>>[number];
type Reply = Awaited<ReturnType<CommandRouter['route']>>;

const INDEX_COMMANDS = new Set(['createIndexes', 'listIndexes', 'dropIndexes']);

export interface EmbeddedMongoOptions {
  /** DATA_DIR: the data is kept in its `embedded-mongo` folder; omit to keep everything in memory. */
  dataDir?: string;
  /**
   * A TCP port of 127.0.0.1 to listen on instead (0: any free one). Every local process can reach
   * it, and CongoDB checks no credentials: only for tests that run the server on its own.
   */
  port?: number;
  /** Journal size that triggers a new snapshot (default 16 MiB). */
  journalMaxBytes?: number;
  /** How long to wait for a previous process to release DATA_DIR before refusing to start. */
  lockWaitMs?: number;
}

/**
 * CongoDB answers any client without credentials (its SASL handshake always succeeds), so it listens
 * on a Unix socket that only this process's user may open: DATA_DIR/embedded-mongo/mongod.sock (the
 * folder mode 0700, the socket 0600), or a private temporary folder when the data is kept in memory
 * or DATA_DIR's path is too long for a socket. No other local process can read the password hashes
 * or write a session.
 */
export class EmbeddedMongo {
  private server?: CongoServer;
  private socketPath?: string;
  /** The temporary folder of the socket, removed on stop. */
  private privateFolder?: string;
  private store?: DurableStore;
  private queue: Promise<unknown> = Promise.resolve();
  /** The changes of the command now running, in order; undefined while restoring. */
  private changes?: JournalOp[];
  /** The collection and filter of the command now running, when it has a single one. */
  private target?: QueryTarget;

  constructor(private readonly options: EmbeddedMongoOptions = {}) {}

  get uri(): string {
    if (!this.server?.running) throw new Error('The embedded MongoDB server is not running');
    if (this.socketPath) return `mongodb://${encodeURIComponent(this.socketPath)}`;
    const address = (this.server as unknown as { server: Server }).server.address() as AddressInfo;
    return `mongodb://127.0.0.1:${address.port}`;
  }

  /** Where it listens, for the start-up log. */
  describeListener(): string {
    return this.socketPath ? `a Unix socket only this user may open (${this.socketPath})` : 'TCP';
  }

  async start(): Promise<string> {
    this.socketPath = this.options.port === undefined ? await this.chooseSocketPath() : undefined;
    // CongoServer hands port and host to net.Server.listen(), which takes a socket path as the port.
    const server = new CongoServer({
      host: '127.0.0.1',
      port: (this.socketPath ?? this.options.port) as number,
    });
    const storage = server.getStorage();
    const uniques = new UniqueIndexes();
    hookStorage(storage, uniques, {
      report: (change) => this.changes?.push(change),
      candidateIds: (db, coll) => {
        const target = this.target;
        return target?.db === db && target.coll === coll
          ? uniques.candidateIds(db, coll, target.filter)
          : undefined;
      },
    });
    if (this.options.dataDir) {
      this.store = new DurableStore(storage, (work) => this.exclusive(work), {
        dataDir: this.options.dataDir,
        journalMaxBytes: this.options.journalMaxBytes ?? DEFAULT_JOURNAL_MAX_BYTES,
        lockWaitMs: this.options.lockWaitMs,
      });
      await this.store.open();
    }
    this.routeCommandsThroughQueue(server, storage);
    try {
      if (this.socketPath) await this.clearSocketPath(this.socketPath);
      await server.start();
      if (this.socketPath) await chmod(this.socketPath, 0o600);
    } catch (error) {
      await server.stop().catch(() => undefined);
      await this.store?.close();
      await this.removeSocket();
      throw error;
    }
    this.server = server;
    return this.uri;
  }

  /** Stops answering, then writes a final snapshot and releases DATA_DIR. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await server.stop();
    await this.exclusive(async () => undefined);
    await this.store?.close();
    this.store = undefined;
    await this.removeSocket();
  }

  private async chooseSocketPath(): Promise<string> {
    if (this.options.dataDir) {
      const path = join(this.options.dataDir, 'embedded-mongo', SOCKET_NAME);
      if (Buffer.byteLength(path) <= MAX_SOCKET_PATH_BYTES) return path;
    }
    // mkdtemp creates the folder with mode 0700.
    this.privateFolder = await mkdtemp(join(tmpdir(), 'embedded-mongo-'));
    return join(this.privateFolder, SOCKET_NAME);
  }

  /**
   * Once the data folder is locked to this process: the folder closed to other users (it may come
   * from a version that created it open), and the socket of a crashed run removed.
   */
  private async clearSocketPath(path: string): Promise<void> {
    if (!this.privateFolder) await chmod(join(path, '..'), 0o700);
    await rm(path, { force: true });
  }

  private async removeSocket(): Promise<void> {
    if (this.socketPath) await rm(this.socketPath, { force: true });
    if (this.privateFolder) await rm(this.privateFolder, { recursive: true, force: true });
    this.socketPath = undefined;
    this.privateFolder = undefined;
  }

  /** Runs `work` alone: no command starts before it ends, so a uniqueness check and its write cannot interleave. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /**
   * Each command runs alone and its changes are journaled in order; the reply waits until they are
   * on disk, but the next command does not, so commands arriving meanwhile share the next fsync.
   */
  private routeCommandsThroughQueue(server: CongoServer, storage: IStorageAdapter): void {
    const router = new CommandRouter(storage, server);
    const route = router.route.bind(router);
    router.route = async (command) => {
      const handle = INDEX_COMMANDS.has(command.commandName)
        ? () => indexCommand(storage, command.database, command.command)
        : () => route(command);
      const target = queryTarget(command);
      const { reply, durable } = await this.exclusive(() => this.execute(handle, target));
      try {
        await durable;
      } catch {
        return errorReply(new Error('The write could not be saved to disk'));
      }
      return reply;
    };
    (server as unknown as { commandRouter: CommandRouter }).commandRouter = router;
  }

  private async execute(
    handle: () => Promise<Reply>,
    target: QueryTarget | undefined,
  ): Promise<{ reply: Reply; durable: Promise<void> }> {
    const changes: JournalOp[] = [];
    this.changes = changes;
    this.target = target;
    let reply: Reply;
    try {
      reply = await handle();
    } catch (error) {
      // A rejected route would leave the client waiting: the server answers it with no request id.
      reply = errorReply(error as Error);
    } finally {
      this.changes = undefined;
      this.target = undefined;
    }
    const durable = changes.length > 0 && this.store ? this.store.commit(changes) : Promise.resolve();
    // Observed here so a failure is not reported as unhandled before the caller awaits it.
    durable.catch(() => undefined);
    return { reply, durable };
  }
}

interface QueryTarget {
  db: string;
  coll: string;
  filter: Record<string, unknown>;
}

type CommandBody = Record<string, unknown>;
type ParsedCommand = Parameters<CommandRouter['route']>[0];

/** The one collection and filter a query or single-statement write works on, for the candidate lookup. */
function queryTarget({
  database,
  commandName,
  command,
  documentSequences,
}: ParsedCommand): QueryTarget | undefined {
  // As CongoDB's handlers read them: a document sequence replaces the field of the same name.
  const statements = (field: string) => documentSequences?.get(field) ?? command[field];
  const single = (list: unknown) =>
    Array.isArray(list) && list.length === 1 ? (list[0] as CommandBody).q : undefined;
  const filters = new Map<string, () => unknown>([
    ['find', () => command.filter ?? {}],
    ['count', () => command.query ?? {}],
    ['findAndModify', () => command.query ?? {}],
    ['update', () => single(statements('updates'))],
    ['delete', () => single(statements('deletes'))],
  ]);
  const filter = filters.get(commandName)?.();
  const coll = (command as CommandBody)[commandName];
  if (typeof coll !== 'string' || filter === null || typeof filter !== 'object') return undefined;
  return { db: database, coll, filter: filter as Record<string, unknown> };
}

function errorReply(error: Error & { code?: number; codeName?: string }): Reply {
  return {
    ok: 0,
    errmsg: error.message,
    code: error.code ?? 1,
    codeName: error.codeName ?? 'InternalError',
  } as unknown as Reply;
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
      const indexName =
        name ??
        Object.entries(key)
          .map(([field, dir]) => `${field}_${dir}`)
          .join('_');
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
