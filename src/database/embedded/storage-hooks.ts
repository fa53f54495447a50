import { plugins, type IStorageAdapter } from '@push.rocks/smartmongo/dist_ts/congodb/index.js';
import type { JournalOp } from './journal-ops.js';
import { duplicateKeyError, type StoredDocument, type UniqueIndexes } from './unique-indexes.js';

const { ObjectId } = plugins.bson;

export interface StorageHooks {
  /** Called with every change, in order. */
  report(entry: JournalOp): void;
  /** The only ids a collection scan needs to return for the command now running, if known. */
  candidateIds(db: string, coll: string): string[] | undefined;
}

/**
 * Every change to CongoDB's storage goes through these methods (its command handlers call nothing
 * else that writes), so wrapping them is where unique indexes are enforced and kept current and where
 * each change is reported, in order, for the journal.
 */
export function hookStorage(storage: IStorageAdapter, uniques: UniqueIndexes, hooks: StorageHooks): void {
  const report = (entry: JournalOp) => hooks.report(entry);
  const base = {
    findAll: storage.findAll.bind(storage),
    insertOne: storage.insertOne.bind(storage),
    updateById: storage.updateById.bind(storage),
    deleteById: storage.deleteById.bind(storage),
    createCollection: storage.createCollection.bind(storage),
    dropCollection: storage.dropCollection.bind(storage),
    dropDatabase: storage.dropDatabase.bind(storage),
    renameCollection: storage.renameCollection.bind(storage),
    saveIndex: storage.saveIndex.bind(storage),
    dropIndex: storage.dropIndex.bind(storage),
  };

  // CongoDB answers every query by filtering a full collection scan; handing it the one candidate a
  // unique key or _id pins makes signup, login and session checks independent of the user count.
  storage.findAll = async (db, coll) => {
    const ids = hooks.candidateIds(db, coll);
    if (!ids) return base.findAll(db, coll);
    const docs = await Promise.all(
      ids.map((id) => storage.findById(db, coll, ObjectId.createFromHexString(id))),
    );
    return docs.filter((doc) => doc !== null);
  };
  storage.insertOne = async (db, coll, doc) => {
    const candidate = doc as StoredDocument;
    if (candidate._id instanceof ObjectId && (await storage.findById(db, coll, candidate._id))) {
      throw duplicateKeyError(db, coll, '_id_');
    }
    uniques.assertWritable(db, coll, candidate);
    const stored = await base.insertOne(db, coll, doc);
    uniques.record(db, coll, stored as StoredDocument);
    report({ op: 'put', db, coll, doc: stored as StoredDocument });
    return stored;
  };
  storage.updateById = async (db, coll, id, doc) => {
    uniques.assertWritable(db, coll, doc as StoredDocument, id);
    const updated = await base.updateById(db, coll, id, doc);
    if (updated) {
      uniques.record(db, coll, doc as StoredDocument, id);
      report({ op: 'put', db, coll, doc: { ...doc, _id: id } as StoredDocument });
    }
    return updated;
  };
  storage.deleteById = async (db, coll, id) => {
    const deleted = await base.deleteById(db, coll, id);
    if (deleted) {
      uniques.forget(db, coll, id);
      report({ op: 'delete', db, coll, id });
    }
    return deleted;
  };
  storage.createCollection = async (db, coll) => {
    const existed = await storage.collectionExists(db, coll);
    await base.createCollection(db, coll);
    if (!existed) report({ op: 'createCollection', db, coll });
  };
  storage.dropCollection = async (db, coll) => {
    const existed = await base.dropCollection(db, coll);
    uniques.dropCollection(db, coll);
    if (existed) report({ op: 'dropCollection', db, coll });
    return existed;
  };
  storage.dropDatabase = async (db) => {
    const existed = await base.dropDatabase(db);
    uniques.dropDatabase(db);
    if (existed) report({ op: 'dropDatabase', db });
    return existed;
  };
  storage.renameCollection = async (db, from, to) => {
    await base.renameCollection(db, from, to);
    uniques.renameCollection(db, from, to);
    report({ op: 'renameCollection', db, from, to });
  };
  storage.saveIndex = async (db, coll, name, spec) => {
    if (spec.unique && name !== '_id_') {
      uniques.create(db, coll, name, spec, (await storage.findAll(db, coll)) as StoredDocument[]);
    } else {
      uniques.drop(db, coll, name);
    }
    await base.saveIndex(db, coll, name, spec);
    report({ op: 'saveIndex', db, coll, index: { name, ...spec } });
  };
  storage.dropIndex = async (db, coll, name) => {
    const dropped = await base.dropIndex(db, coll, name);
    if (dropped) {
      uniques.drop(db, coll, name);
      report({ op: 'dropIndex', db, coll, name });
    }
    return dropped;
  };
}
