import { readFile } from 'node:fs/promises';
import { plugins } from '@push.rocks/smartmongo/dist_ts/congodb/index.js';
import { writeFileAtomically } from './durable-files.js';
import type { StoredDocument } from './unique-indexes.js';

const { EJSON } = plugins.bson;
const FORMAT = 2;
const DOCS_PER_WRITE = 500;

export interface IndexState {
  name: string;
  key: Record<string, unknown>;
  unique?: boolean;
  sparse?: boolean;
  expireAfterSeconds?: number;
}
export interface CollectionState {
  db: string;
  coll: string;
  indexes: IndexState[];
  docs: StoredDocument[];
}
export interface StoreState {
  /** Every journal up to this number is contained in the snapshot. */
  journalSeq: number;
  collections: CollectionState[];
}

interface LegacySnapshot {
  databases: Record<string, Record<string, { docs: StoredDocument[]; indexes: IndexState[] }>>;
}

/**
 * Writes the state as canonical Extended JSON (BSON types survive), one line per document, a few
 * hundred documents per write so the event loop keeps serving requests meanwhile.
 */
export async function writeSnapshot(file: string, state: StoreState): Promise<void> {
  const line = (value: unknown) => `${EJSON.stringify(value, { relaxed: false })}\n`;
  await writeFileAtomically(file, async (append) => {
    await append(line({ format: FORMAT, journalSeq: state.journalSeq }));
    for (const { db, coll, indexes, docs } of state.collections) {
      await append(line({ db, coll, indexes, count: docs.length }));
      for (let start = 0; start < docs.length; start += DOCS_PER_WRITE) {
        await append(
          docs
            .slice(start, start + DOCS_PER_WRITE)
            .map(line)
            .join(''),
        );
      }
    }
  });
}

/** The last snapshot, or an empty state; also reads the single-object format of earlier versions. */
export async function readSnapshot(file: string): Promise<StoreState> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { journalSeq: 0, collections: [] };
    throw error;
  }
  const lines = text.split('\n').filter((line) => line.length > 0);
  // Relaxed: numbers come back as JS numbers, as the server holds them; canonical Int32 and Double
  // objects would make $inc and comparisons fail after a restart.
  const parse = (line: string) => EJSON.parse(line, { relaxed: true }) as Record<string, unknown>;
  const header = parse(lines[0] ?? '{}');
  if (header.databases) return fromLegacy(header as unknown as LegacySnapshot);
  const state: StoreState = { journalSeq: Number(header.journalSeq ?? 0), collections: [] };
  let next = 1;
  while (next < lines.length) {
    const { db, coll, indexes, count } = parse(lines[next++]) as Omit<CollectionState, 'docs'> & {
      count: number;
    };
    const docs = lines.slice(next, next + count).map((line) => parse(line) as StoredDocument);
    next += count;
    state.collections.push({ db, coll, indexes, docs });
  }
  return state;
}

function fromLegacy(snapshot: LegacySnapshot): StoreState {
  const collections = Object.entries(snapshot.databases).flatMap(([db, colls]) =>
    Object.entries(colls).map(([coll, { docs, indexes }]) => ({ db, coll, docs, indexes })),
  );
  return { journalSeq: 0, collections };
}
