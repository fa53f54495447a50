import { plugins } from '@push.rocks/smartmongo/dist_ts/congodb/index.js';

const { EJSON, ObjectId } = plugins.bson;

export type StoredDocument = Record<string, unknown> & { _id?: unknown };
interface UniqueIndexSpec {
  key: Record<string, unknown>;
  unique?: boolean;
  sparse?: boolean;
}

interface UniqueIndex {
  name: string;
  fields: string[];
  sparse: boolean;
  /** A document held an array in an indexed field: one key per document no longer finds every match. */
  multikey: boolean;
  /** Index key → id of the document holding it. */
  idByKey: Map<string, string>;
  /** Document id → its index key, so an update or delete finds the key it replaces. */
  keyById: Map<string, string>;
}

/**
 * The unique secondary indexes of every collection, kept in memory so that checking a write costs one
 * map lookup per index whatever the size of the collection. The owner calls record/forget on every
 * write and delete, and the collection and index hooks when those change.
 */
export class UniqueIndexes {
  private readonly byCollection = new Map<string, UniqueIndex[]>();

  /** Builds the index over `docs`; refuses (duplicate key error) if they already break it. */
  create(db: string, coll: string, name: string, spec: UniqueIndexSpec, docs: StoredDocument[]): void {
    const index: UniqueIndex = {
      name,
      fields: Object.keys(spec.key),
      sparse: spec.sparse === true,
      multikey: false,
      idByKey: new Map(),
      keyById: new Map(),
    };
    for (const doc of docs) {
      noteArrays(index, doc);
      const key = indexKey(index, doc);
      if (key === undefined) continue;
      const id = idKey(doc._id);
      const holder = index.idByKey.get(key);
      if (holder !== undefined && holder !== id) throw duplicateKeyError(db, coll, name);
      index.idByKey.set(key, id);
      index.keyById.set(id, key);
    }
    const indexes = (this.indexesOf(db, coll) ?? []).filter((other) => other.name !== name);
    this.byCollection.set(collectionKey(db, coll), [...indexes, index]);
  }

  drop(db: string, coll: string, name: string): void {
    const indexes = this.indexesOf(db, coll);
    if (indexes)
      this.byCollection.set(
        collectionKey(db, coll),
        indexes.filter((index) => index.name !== name),
      );
  }

  dropCollection(db: string, coll: string): void {
    this.byCollection.delete(collectionKey(db, coll));
  }

  dropDatabase(db: string): void {
    for (const key of this.byCollection.keys()) {
      if (key.startsWith(collectionKey(db, ''))) this.byCollection.delete(key);
    }
  }

  renameCollection(db: string, from: string, to: string): void {
    const indexes = this.indexesOf(db, from);
    this.byCollection.delete(collectionKey(db, to));
    if (!indexes) return;
    this.byCollection.delete(collectionKey(db, from));
    this.byCollection.set(collectionKey(db, to), indexes);
  }

  /** Throws the duplicate key error (11000) a real server answers if `doc` would break an index. */
  assertWritable(db: string, coll: string, doc: StoredDocument, docId = doc._id): void {
    const id = docId === undefined ? undefined : idKey(docId);
    for (const index of this.indexesOf(db, coll) ?? []) {
      const key = indexKey(index, doc);
      if (key === undefined) continue;
      const holder = index.idByKey.get(key);
      if (holder !== undefined && holder !== id) throw duplicateKeyError(db, coll, index.name);
    }
  }

  /** After `doc` was inserted or replaced. */
  record(db: string, coll: string, doc: StoredDocument, docId = doc._id): void {
    const id = idKey(docId);
    for (const index of this.indexesOf(db, coll) ?? []) {
      forgetIn(index, id);
      noteArrays(index, doc);
      const key = indexKey(index, doc);
      if (key === undefined) continue;
      index.idByKey.set(key, id);
      index.keyById.set(id, key);
    }
  }

  /** After the document with this id was deleted. */
  forget(db: string, coll: string, id: unknown): void {
    for (const index of this.indexesOf(db, coll) ?? []) forgetIn(index, idKey(id));
  }

  /**
   * The ids of the only documents that can match `filter`, when it pins one by _id or by equality on
   * a unique-indexed string field; undefined when every document has to be scanned.
   */
  candidateIds(db: string, coll: string, filter: Record<string, unknown>): string[] | undefined {
    for (const [field, condition] of Object.entries(filter)) {
      const value = equalityValue(condition);
      if (field === '_id' && value instanceof ObjectId) return [value.toHexString()];
      if (typeof value !== 'string') continue;
      const index = this.indexesOf(db, coll)?.find(
        (candidate) => candidate.fields.length === 1 && candidate.fields[0] === field && !candidate.multikey,
      );
      if (!index || field.includes('.')) continue;
      const id = index.idByKey.get(EJSON.stringify([value]));
      return id === undefined ? [] : [id];
    }
    return undefined;
  }

  private indexesOf(db: string, coll: string): UniqueIndex[] | undefined {
    return this.byCollection.get(collectionKey(db, coll));
  }
}

function forgetIn(index: UniqueIndex, id: string): void {
  const key = index.keyById.get(id);
  if (key === undefined) return;
  index.keyById.delete(id);
  if (index.idByKey.get(key) === id) index.idByKey.delete(key);
}

function noteArrays(index: UniqueIndex, doc: StoredDocument): void {
  if (!index.multikey) index.multikey = index.fields.some((field) => Array.isArray(readPath(doc, field)));
}

/** `value` or `{ $eq: value }` (how Mongoose's sanitizeFilter wraps values) give value. */
function equalityValue(condition: unknown): unknown {
  if (condition === null || typeof condition !== 'object' || condition instanceof ObjectId) return condition;
  const keys = Object.keys(condition);
  return keys.length === 1 && keys[0] === '$eq' ? (condition as { $eq: unknown }).$eq : undefined;
}

function collectionKey(db: string, coll: string): string {
  // Database names cannot contain NUL, so this separates them from collection names unambiguously.
  return `${db}\u0000${coll}`;
}

/** Missing fields index as null, as in MongoDB; a sparse index skips documents missing them all. */
function indexKey(index: UniqueIndex, doc: StoredDocument): string | undefined {
  const values = index.fields.map((field) => readPath(doc, field));
  if (index.sparse && values.every((value) => value === undefined)) return undefined;
  return EJSON.stringify(values.map((value) => value ?? null));
}

function idKey(id: unknown): string {
  return id instanceof ObjectId ? id.toHexString() : EJSON.stringify({ v: id });
}

function readPath(doc: Record<string, unknown>, path: string): unknown {
  let value: unknown = doc;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

export function duplicateKeyError(db: string, coll: string, index: string): Error {
  return Object.assign(new Error(`E11000 duplicate key error collection: ${db}.${coll} index: ${index}`), {
    code: 11000,
    codeName: 'DuplicateKey',
  });
}
