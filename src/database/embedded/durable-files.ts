import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Makes renames and new files in a folder survive a power cut (a no-op where folders cannot be opened). */
export async function fsyncFolder(folder: string): Promise<void> {
  let handle;
  try {
    handle = await open(folder, 'r');
  } catch {
    return;
  }
  try {
    await handle.sync();
  } catch {
    // Some platforms refuse fsync on a directory; there is nothing more to do there.
  } finally {
    await handle.close();
  }
}

/**
 * Replaces `file` with the chunks `write` produces, all or nothing: a temporary file is written and
 * fsync'ed, renamed over `file`, and the folder fsync'ed. Readable by the server's user only.
 */
export async function writeFileAtomically(
  file: string,
  write: (append: (text: string) => Promise<void>) => Promise<void>,
): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  const handle = await open(tmp, 'w', 0o600);
  try {
    await write(async (text) => {
      await handle.write(text);
    });
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
  await fsyncFolder(dirname(file));
}
