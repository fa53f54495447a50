import type { IStorageAdapter } from '@push.rocks/smartmongo/dist_ts/congodb/index.js';
import type { IndexState } from './store-snapshot.js';
import type { StoredDocument } from './unique-indexes.js';

type Id = Parameters<IStorageAdapter['findById']>[2];

/**
 * The effect of a write on the stored data, as the journal records it: the resulting document rather
 * than the command, so replaying `$inc`, upserts and generated ids gives exactly what was acknowledged.
 */
export type JournalOp =
  | { op: 'put'; db: string; coll: string; doc: StoredDocument }
  | { op: 'delete'; db: string; coll: string; id: unknown }
  | { op: 'createCollection'; db: string; coll: string }
  | { op: 'dropCollection'; db: string; coll: string }
  | { op: 'dropDatabase'; db: string }
  | { op: 'renameCollection'; db: string; from: string; to: string }
  | { op: 'saveIndex'; db: string; coll: string; index: IndexState }
  | { op: 'dropIndex'; db: string; coll: string; name: string };

export async function applyOp(storage: IStorageAdapter, entry: JournalOp): Promise<void> {
  switch (entry.op) {
    case 'put': {
      const id = entry.doc._id as Id;
      if (!(await storage.updateById(entry.db, entry.coll, id, entry.doc as never))) {
        await storage.insertOne(entry.db, entry.coll, entry.doc);
      }
      return;
    }
    case 'delete':
      await storage.deleteById(entry.db, entry.coll, entry.id as Id);
      return;
    case 'createCollection':
      await storage.createCollection(entry.db, entry.coll);
      return;
    case 'dropCollection':
      await storage.dropCollection(entry.db, entry.coll);
      return;
    case 'dropDatabase':
      await storage.dropDatabase(entry.db);
      return;
    case 'renameCollection':
      await storage.renameCollection(entry.db, entry.from, entry.to);
      return;
    case 'saveIndex': {
      const { name, ...spec } = entry.index;
      await storage.saveIndex(entry.db, entry.coll, name, spec);
      return;
    }
    case 'dropIndex':
      await storage.dropIndex(entry.db, entry.coll, entry.name);
      return;
  }
}
