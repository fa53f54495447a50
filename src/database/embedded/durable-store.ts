import { mkdir, readdir, readFile, truncate, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { plugins, type IStorageAdapter } from '@push.rocks/smartmongo/dist_ts/congodb/index.js';
import { DataDirLock } from './data-dir-lock.js';
import { decodeJournal } from './journal-codec.js';
import { applyOp, type JournalOp } from './journal-ops.js';
import { readSnapshot, writeSnapshot, type CollectionState, type StoreState } from './store-snapshot.js';
import type { StoredDocument } from './unique-indexes.js';
import { WriteJournal } from './write-journal.js';

const { EJSON } = plugins.bson;
const JOURNAL_NAME = /^journal-(\d+)\.log$/;

export interface DurableStoreOptions {
  /** DATA_DIR, for messages; the files live in its `embedded-mongo` folder. */
  dataDir: string;
  /** Journal size at which a snapshot is written and a new journal started. */
  journalMaxBytes: number;
  /** How long to wait for a previous owner of DATA_DIR to exit (see DataDirLock). */
  lockWaitMs?: number;
}

/** Runs `work` between two commands, with no command running: a consistent cut of the data. */
export type Exclusive = <T>(work: () => Promise<T>) => Promise<T>;

/**
 * Keeps the embedded server's data on disk: the last snapshot plus a journal of every change since.
 * A change is durable once commit() resolves. When the journal grows past its limit, and on close,
 * a new snapshot is written while writes go on into a fresh journal; older journals are then deleted.
 */
export class DurableStore {
  private readonly logger = new Logger('EmbeddedMongo');
  private readonly folder: string;
  private readonly snapshotFile: string;
  private lock?: DataDirLock;
  private journal?: WriteJournal;
  private journalSeq = 0;
  private compacting?: Promise<void>;

  constructor(
    private readonly storage: IStorageAdapter,
    private readonly exclusive: Exclusive,
    private readonly options: DurableStoreOptions,
  ) {
    this.folder = join(options.dataDir, 'embedded-mongo');
    this.snapshotFile = join(this.folder, 'snapshot.ejson');
  }

  /** Takes DATA_DIR, loads the snapshot and replays the journals into the (still empty) storage. */
  async open(): Promise<void> {
    await mkdir(this.folder, { recursive: true, mode: 0o700 });
    this.lock = await DataDirLock.acquire(join(this.folder, 'lock'), {
      dataDir: this.options.dataDir,
      waitMs: this.options.lockWaitMs,
    });
    try {
      await this.removeTemporaryFiles();
      const snapshot = await readSnapshot(this.snapshotFile);
      for (const collection of snapshot.collections) await this.restoreCollection(collection);
      this.journalSeq = snapshot.journalSeq + 1;
      for (const { seq, file } of await this.journals()) {
        if (seq <= snapshot.journalSeq) {
          // Left over by a crash between a snapshot and the clean-up after it.
          await unlink(file);
          continue;
        }
        await this.replay(file);
        this.journalSeq = seq;
      }
      this.journal = await WriteJournal.open(this.journalFile(this.journalSeq));
    } catch (error) {
      await this.lock.release();
      throw error;
    }
  }

  /** Appends the changes of one command; resolves once they are on disk. */
  async commit(changes: JournalOp[]): Promise<void> {
    const journal = this.journal;
    if (!journal) throw new Error('The embedded database is closed');
    const durable = journal.append(Buffer.from(EJSON.stringify(changes, { relaxed: false })));
    if (journal.bytes >= this.options.journalMaxBytes && !this.compacting) {
      this.compacting = this.compact()
        .catch((error: Error) => this.logger.error(`Could not write a snapshot: ${error.message}`))
        .finally(() => (this.compacting = undefined));
    }
    await durable;
  }

  /** Writes a final snapshot and gives DATA_DIR up. Call once no command can arrive any more. */
  async close(): Promise<void> {
    await this.compacting;
    try {
      // Nothing since the last snapshot (an empty journal and no older one): no need to rewrite it.
      const unchanged = this.journal?.bytes === 0 && (await this.journals()).length === 1;
      if (!unchanged) await this.compact();
    } catch (error) {
      // The journals are still there: nothing is lost, the next start replays them.
      this.logger.error(`Could not write the final snapshot: ${(error as Error).message}`);
    }
    await this.journal?.close();
    this.journal = undefined;
    await this.lock?.release();
  }

  private async compact(): Promise<void> {
    const cut = await this.exclusive(async () => {
      // The old journal is drained first, so no acknowledged write can depend on one that is lost.
      await this.journal?.close();
      const covered = this.journalSeq;
      this.journalSeq += 1;
      this.journal = await WriteJournal.open(this.journalFile(this.journalSeq));
      return { journalSeq: covered, collections: await this.collections() } satisfies StoreState;
    });
    await writeSnapshot(this.snapshotFile, cut);
    for (const { seq, file } of await this.journals()) {
      if (seq <= cut.journalSeq) await unlink(file);
    }
  }

  /** References to the current documents: stored documents are replaced on update, never changed. */
  private async collections(): Promise<CollectionState[]> {
    const collections: CollectionState[] = [];
    for (const db of await this.storage.listDatabases()) {
      for (const coll of await this.storage.listCollections(db)) {
        collections.push({
          db,
          coll,
          docs: (await this.storage.findAll(db, coll)) as StoredDocument[],
          indexes: [...(await this.storage.getIndexes(db, coll))],
        });
      }
    }
    return collections;
  }

  private async restoreCollection({ db, coll, docs, indexes }: CollectionState): Promise<void> {
    await this.storage.createCollection(db, coll);
    await this.storage.insertMany(db, coll, docs);
    for (const { name, ...spec } of indexes) {
      if (name !== '_id_') await this.storage.saveIndex(db, coll, name, spec);
    }
  }

  private async replay(file: string): Promise<void> {
    const data = await readFile(file);
    const { payloads, validBytes, damage } = decodeJournal(data);
    for (const payload of payloads) {
      for (const change of EJSON.parse(payload.toString('utf8'), { relaxed: true }) as JournalOp[]) {
        await applyOp(this.storage, change);
      }
    }
    if (damage) {
      this.logger.warn(
        `Journal ${file}: dropped its last ${data.length - validBytes} bytes (${damage}); ` +
          `a crash interrupted writes that were never acknowledged. Intact records replayed: ${payloads.length}.`,
      );
      // Appending after the damage would hide every later record from the next start.
      await truncate(file, validBytes);
    }
  }

  private journalFile(seq: number): string {
    return join(this.folder, `journal-${String(seq).padStart(6, '0')}.log`);
  }

  private async journals(): Promise<Array<{ seq: number; file: string }>> {
    return (await readdir(this.folder))
      .map((name) => ({ name, match: JOURNAL_NAME.exec(name) }))
      .filter(({ match }) => match !== null)
      .map(({ name, match }) => ({ seq: Number(match![1]), file: join(this.folder, name) }))
      .sort((a, b) => a.seq - b.seq);
  }

  private async removeTemporaryFiles(): Promise<void> {
    for (const name of await readdir(this.folder)) {
      if (/^snapshot\.ejson\..*\.tmp$/.test(name))
        await unlink(join(this.folder, name)).catch(() => undefined);
    }
  }
}
