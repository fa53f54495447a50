import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { encodeRecord } from './journal-codec.js';
import { fsyncFolder } from './durable-files.js';

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * An append-only file of records, each durable (fsync'ed) before append() resolves. Group commit:
 * records appended while a flush is in flight are written and fsync'ed together by the next one.
 * After a failed write nothing more is accepted: the file's tail is unknown until a restart reads it.
 */
export class WriteJournal {
  private pending: Buffer[] = [];
  private waiters: Waiter[] = [];
  private flushing?: Promise<void>;
  private failure?: Error;
  private closing?: Promise<void>;

  private constructor(
    readonly file: string,
    private readonly handle: FileHandle,
    private size: number,
  ) {}

  static async open(file: string): Promise<WriteJournal> {
    const handle = await open(file, 'a', 0o600);
    const { size } = await handle.stat();
    // A new file is only durable once the folder entry naming it is.
    if (size === 0) await fsyncFolder(dirname(file));
    return new WriteJournal(file, handle, size);
  }

  /** Bytes in the file, including records not yet flushed. */
  get bytes(): number {
    return this.size;
  }

  append(payload: Buffer): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const record = encodeRecord(payload);
    this.size += record.length;
    this.pending.push(record);
    const durable = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.flushing ??= this.flushAll();
    return durable;
  }

  /** Waits for every appended record to be durable (or failed), then closes the file. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.flushing;
      this.failure ??= new Error('The journal is closed');
      await this.handle.close();
    })();
    return this.closing;
  }

  private async flushAll(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = Buffer.concat(this.pending);
      const waiters = this.waiters;
      this.pending = [];
      this.waiters = [];
      try {
        if (this.failure) throw this.failure;
        await this.handle.write(batch);
        await this.handle.datasync();
        for (const waiter of waiters) waiter.resolve();
      } catch (error) {
        this.failure ??= error as Error;
        for (const waiter of waiters) waiter.reject(this.failure);
      }
    }
    this.flushing = undefined;
  }
}
