import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJournal } from './journal-codec.js';
import { WriteJournal } from './write-journal.js';

describe('WriteJournal', () => {
  let folder: string;
  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'write-journal-'));
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await rm(folder, { recursive: true, force: true });
  });

  it('lets writes that arrive during a flush share the next fsync, in order', async () => {
    const probe = await open(join(folder, 'probe'), 'w');
    const datasync = vi.spyOn(Object.getPrototypeOf(probe) as { datasync: () => Promise<void> }, 'datasync');
    await probe.close();
    const file = join(folder, 'journal.log');
    const journal = await WriteJournal.open(file);
    const payloads = Array.from({ length: 200 }, (_, n) => Buffer.from(`record ${n}`));
    await Promise.all(payloads.map((payload) => journal.append(payload)));
    await journal.close();

    // The first record is flushed alone; the 199 queued behind it share the next fsync.
    expect(datasync.mock.calls.length).toBeGreaterThanOrEqual(1);
    expect(datasync.mock.calls.length).toBeLessThanOrEqual(2);
    expect(decodeJournal(await readFile(file)).payloads.map(String)).toEqual(payloads.map(String));
  });

  it('resolves an append only once its record is in the file', async () => {
    const file = join(folder, 'journal.log');
    const journal = await WriteJournal.open(file);
    await journal.append(Buffer.from('one'));
    expect(decodeJournal(await readFile(file)).payloads.map(String)).toEqual(['one']);
    await journal.append(Buffer.from('two'));
    expect(decodeJournal(await readFile(file)).payloads.map(String)).toEqual(['one', 'two']);
    expect(journal.bytes).toBe((await readFile(file)).length);
    await journal.close();
  });

  it('appends after what an earlier process wrote', async () => {
    const file = join(folder, 'journal.log');
    const first = await WriteJournal.open(file);
    await first.append(Buffer.from('before'));
    await first.close();
    const second = await WriteJournal.open(file);
    await second.append(Buffer.from('after'));
    await second.close();
    expect(decodeJournal(await readFile(file)).payloads.map(String)).toEqual(['before', 'after']);
  });

  it('refuses appends once closed, and closes only once', async () => {
    const journal = await WriteJournal.open(join(folder, 'journal.log'));
    await Promise.all([journal.close(), journal.close()]);
    await expect(journal.append(Buffer.from('late'))).rejects.toThrow(/closed/);
  });

  it('refuses every later write once one failed', async () => {
    const journal = await WriteJournal.open(join(folder, 'journal.log'));
    const probe = await open(join(folder, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { datasync: () => Promise<void> };
    await probe.close();
    vi.spyOn(proto, 'datasync').mockRejectedValueOnce(new Error('EIO: disk gone'));
    await expect(journal.append(Buffer.from('lost'))).rejects.toThrow(/EIO/);
    await expect(journal.append(Buffer.from('later'))).rejects.toThrow(/EIO/);
    await journal.close();
  });
});
