import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigurationError } from '../../config/environment.js';

/** Lock files this process holds: a lock naming our own pid that is not in here is stale. */
const heldHere = new Set<string>();

export interface DataDirLockOptions {
  /** Folder the lock is named after in messages (DATA_DIR). */
  dataDir: string;
  /**
   * How long to wait for a live owner to exit before refusing: `nest start --watch` starts the new
   * process while the old one may still be flushing its journal.
   */
  waitMs?: number;
}

/** Keeps a second process off DATA_DIR: a lock file holding the owner's pid, stale ones recovered. */
export class DataDirLock {
  private constructor(private readonly file: string) {}

  static async acquire(file: string, { dataDir, waitMs = 5000 }: DataDirLockOptions): Promise<DataDirLock> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      if (await tryCreate(file)) {
        heldHere.add(file);
        return new DataDirLock(file);
      }
      const owner = await readOwner(file);
      if (owner !== undefined && isAlive(owner) && !(owner === process.pid && !heldHere.has(file))) {
        if (Date.now() >= deadline) {
          throw new ConfigurationError([
            `DATA_DIR ${dataDir} is in use by another process (pid ${owner}); stop it or give this one another DATA_DIR`,
          ]);
        }
        await sleep(100);
        continue;
      }
      // No owner, or a dead one (a crash or SIGKILL): the lock is stale. Only remove the one we read.
      if ((await readOwner(file)) === owner) await unlink(file).catch(() => undefined);
    }
  }

  async release(): Promise<void> {
    heldHere.delete(this.file);
    await unlink(this.file).catch(() => undefined);
  }
}

/** Creates the lock with its content in one step (a link), so no reader ever sees it empty. */
async function tryCreate(file: string): Promise<boolean> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${process.pid}\n`, { mode: 0o600 });
  try {
    await link(tmp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

async function readOwner(file: string): Promise<number | undefined> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const pid = Number.parseInt(text, 10);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
