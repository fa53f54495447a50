import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { freePort } from '../http/free-port.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The Redis the multi-instance tests use; empty when there is none (they are then skipped). */
    redisUrl: string;
  }
}

const LOCAL_REDIS = 'redis://127.0.0.1:6379';

/**
 * REDIS_URL, which must answer; unset, the local default if it answers; otherwise none. Only the
 * global setup calls this, so the reason for a skip is printed once per run.
 */
export async function findTestRedis(): Promise<string | undefined> {
  const configured = process.env.REDIS_URL?.trim();
  if (configured) {
    if (!(await answers(configured))) throw new Error(`REDIS_URL=${configured} does not answer PING`);
    return configured;
  }
  return (await answers(LOCAL_REDIS)) ? LOCAL_REDIS : undefined;
}

async function answers(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** A key prefix no other test run uses, so parallel runs on one Redis never collide. */
export function uniqueKeyPrefix(): string {
  return `test-${randomBytes(6).toString('hex')}:`;
}

/** A redis-server of a test's own, which the test may stop and start again on the same port. */
export class PrivateRedis {
  private process?: ChildProcess;

  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.restart();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async restart(): Promise<void> {
    this.process = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    await vi.waitFor(async () => expect(await answers(this.url)).toBe(true), {
      timeout: 10_000,
      interval: 50,
    });
  }

  /** Ends it abruptly, as a crash would. */
  async kill(): Promise<void> {
    const server = this.process;
    if (!server || server.exitCode !== null || server.signalCode !== null) return;
    server.kill('SIGKILL');
    await once(server, 'exit');
  }
}
