import { appendFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { GOOD_PASSWORD, uniqueEmail } from '../support/auth.js';
import { buildAppForChildren, type ChildApp, spawnApp, startApp } from '../support/app/child-app.js';

/**
 * The durable embedded store, proven on the built app in real processes with a DATA_DIR on disk:
 * SIGKILL at random moments under sustained signups, a torn journal tail, two processes on one folder.
 */
describe('Durable embedded store (e2e, real processes)', () => {
  let main: string;
  const folders: string[] = [];
  const running: ChildApp[] = [];

  beforeAll(async () => {
    main = await buildAppForChildren();
  }, 240_000);

  afterEach(async () => {
    for (const app of running.splice(0)) {
      if (app.process.exitCode === null && app.process.signalCode === null) app.process.kill('SIGKILL');
      await app.exited;
    }
    for (const dir of folders.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  const newDataDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'durable-store-'));
    folders.push(dir);
    return dir;
  };
  const envFor = (dataDir: string, extra: Record<string, string> = {}) => ({
    NODE_ENV: 'development',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    BCRYPT_COST: '4',
    RATE_LIMIT_AUTH_PER_MINUTE: '0',
    SWAGGER_ENABLED: 'false',
    JWT_SECRET: 'durable-store-test-secret-0123456789-abcdef',
    PASSWORD_PEPPER: 'durable-store-test-pepper-0123456789-abcdef',
    ...extra,
  });
  const start = async (dataDir: string, extra?: Record<string, string>) => {
    const app = await startApp(main, envFor(dataDir, extra));
    running.push(app);
    return app;
  };
  const post = (app: ChildApp, path: string, body: unknown) =>
    fetch(`${app.base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const signUp = (app: ChildApp, email: string) =>
    post(app, '/api/auth/signup', { fullName: 'Durable User', email, password: GOOD_PASSWORD });
  const logIn = (app: ChildApp, email: string) =>
    post(app, '/api/auth/login', { email, password: GOOD_PASSWORD });
  /** An app on `dataDir` with `count` accounts signed up (and acknowledged) through it. */
  const startWithSignups = async (dataDir: string, prefix: string, count: number) => {
    const app = await start(dataDir);
    const emails = Array.from({ length: count }, () => uniqueEmail(prefix));
    for (const email of emails) expect((await signUp(app, email)).status).toBe(201);
    return { app, emails };
  };
  const kill = async (app: ChildApp) => {
    app.process.kill('SIGKILL');
    await app.exited;
  };

  /** Runs `work` over `items`, `concurrency` at a time; returns the statuses in order. */
  async function statuses(items: string[], work: (item: string) => Promise<Response>, concurrency = 8) {
    const result: number[] = Array.from({ length: items.length }, () => 0);
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < items.length) {
          const index = next++;
          result[index] = (await work(items[index])).status;
        }
      }),
    );
    return result;
  }

  it('keeps every acknowledged signup through five SIGKILLs at random moments; emails stay unique, stale locks recovered', async () => {
    const dataDir = await newDataDir();
    // A small journal limit: snapshots are written all the time, so some kills land during one.
    const extra = { EMBEDDED_JOURNAL_MAX_BYTES: String(64 * 1024) };
    const lock = join(dataDir, 'embedded-mongo', 'lock');
    const acknowledged: string[] = [];
    let killedPid: number | undefined;
    for (let round = 0; round < 5; round++) {
      // The killed process's lock is still there, naming a pid that no longer runs: it is stale.
      if (killedPid) expect(Number.parseInt(await readFile(lock, 'utf8'), 10)).toBe(killedPid);
      const app = await start(dataDir, extra);
      let killed = false;
      const clients = Array.from({ length: 6 }, async () => {
        while (!killed) {
          const email = uniqueEmail(`kill${round}`);
          const res = await signUp(app, email).catch(() => undefined);
          if (res?.status === 201) acknowledged.push(email);
        }
      });
      await sleep(800 + Math.random() * 2000);
      await kill(app);
      killedPid = app.process.pid;
      killed = true;
      await Promise.all(clients);
    }
    expect(acknowledged.length).toBeGreaterThan(50);

    const app = await start(dataDir);
    expect(await statuses(acknowledged, (email) => logIn(app, email))).toEqual(acknowledged.map(() => 200));
    expect(await statuses(acknowledged, (email) => signUp(app, email))).toEqual(acknowledged.map(() => 409));
    expect((await signUp(app, uniqueEmail('after'))).status).toBe(201);
  }, 240_000);

  it('starts after a torn journal tail, with a warning, keeping the records before it', async () => {
    const dataDir = await newDataDir();
    const { app: first, emails } = await startWithSignups(dataDir, 'torn', 10);
    await kill(first);
    const folder = join(dataDir, 'embedded-mongo');
    const journal = (await readdir(folder))
      .filter((name) => name.startsWith('journal-'))
      .sort()
      .at(-1)!;
    // What a crash in the middle of an append leaves: a header promising bytes that never came.
    await appendFile(
      join(folder, journal),
      Buffer.from([0x00, 0x10, 0x00, 0x00, 0xde, 0xad, 0xbe, 0xef, 0x7b]),
    );

    const second = await start(dataDir);
    expect(second.output()).toMatch(/dropped its last 9 bytes \(torn record/);
    expect(await statuses(emails, (email) => logIn(second, email))).toEqual(emails.map(() => 200));
    const afterRepair = uniqueEmail('after-torn');
    expect((await signUp(second, afterRepair)).status).toBe(201);
    await kill(second);

    // The damaged tail was cut off: records appended after it are read on the next start.
    const third = await start(dataDir);
    expect(third.output()).not.toMatch(/dropped its last/);
    const all = [...emails, afterRepair];
    expect(await statuses(all, (email) => logIn(third, email))).toEqual(all.map(() => 200));
  }, 120_000);

  it('refuses a second process on the same DATA_DIR, naming the folder and the owner pid', async () => {
    const dataDir = await newDataDir();
    const owner = await start(dataDir);
    const second = await spawnApp(main, envFor(dataDir));
    running.push(second);
    expect((await second.exited).code).not.toBe(0);
    expect(second.output()).toContain(
      `DATA_DIR ${dataDir} is in use by another process (pid ${owner.process.pid})`,
    );
    expect((await fetch(`${owner.base}/api/health`)).status).toBe(200);
  }, 120_000);

  it('lets a restart start while the old process is still shutting down (nest start --watch)', async () => {
    const dataDir = await newDataDir();
    const { app: first, emails } = await startWithSignups(dataDir, 'watch', 5);
    first.process.kill('SIGTERM');
    const second = await start(dataDir);
    await first.exited;
    expect(await statuses(emails, (email) => logIn(second, email))).toEqual(emails.map(() => 200));
  }, 120_000);
});
