import { fileURLToPath } from 'node:url';
import { type Child, spawnTs, stopChild, waitUntil } from '../app/child-process.js';

const ENTRY = fileURLToPath(new URL('./embedded-mongo-process.ts', import.meta.url));

/**
 * The embedded MongoDB-compatible server alone in a child process on `port`, which a test can
 * SIGKILL to cut the app off its database; `dataDir` keeps its data across such restarts.
 * Resolves once it listens.
 */
export async function startDatabaseProcess(port: number, dataDir?: string): Promise<Child> {
  const child = spawnTs(ENTRY, {
    EMBEDDED_MONGO_PORT: String(port),
    ...(dataDir === undefined ? {} : { EMBEDDED_MONGO_DATA_DIR: dataDir }),
  });
  try {
    await waitUntil(async () => child.output().includes('listening'), 60_000, 'the database process');
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  return child;
}
