import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { GOOD_PASSWORD, uniqueEmail } from '../support/auth.js';
import { copyBuildContext } from '../support/container/build-context.js';
import { type Child, freePort, spawnNode, stopChild, waitUntil } from '../support/app/child-process.js';
import {
  commandOf,
  instructionsOf,
  parseHealthcheck,
  readDockerfile,
} from '../support/container/dockerfile.js';
import { type ReplayedStage, replayStage } from '../support/container/dockerfile-replay.js';
import { startDatabaseProcess } from '../support/db/database-process.js';
import { uniqueKeyPrefix } from '../support/db/redis.js';
import { SUBJECT } from '../support/mail/mailbox.js';
import { SmtpSink } from '../support/mail/smtp-sink.js';

/** npm ci from the registry, nest build and npm prune, on 2 cores busy with the other e2e files. */
const BUILD_TIMEOUT_MS = 600_000;

/**
 * No image can be pulled on these machines, so this runs the Dockerfile without Docker: the build
 * stage's COPY and RUN lines on exactly the files `docker build .` would send from a plain checkout
 * (tracked by git, not in .dockerignore), then the runtime stage's COPY lines into a folder of their
 * own, and its CMD there, in production mode (the Dockerfile's ENV) against a real MongoDB protocol
 * server, Redis and SMTP server. What differs from the image: node, npm and sh are this machine's
 * (Node 20; the image has Node 24), and the process does not run as the image's `node` user.
 */
describe("Container: the Dockerfile's steps in a plain checkout (e2e)", () => {
  const stages = readDockerfile();
  const runtimeStage = stages.at(-1)!;
  const lastArgs = (keyword: string) => instructionsOf(runtimeStage, keyword).at(-1)!.args;
  const healthcheck = commandOf(parseHealthcheck(lastArgs('HEALTHCHECK')).command);
  const temporary: string[] = [];
  let build: ReplayedStage;
  let runtime: ReplayedStage;
  let database: Child | undefined;
  let sink: SmtpSink;
  let app: Child | undefined;
  let base: string;
  let port: number;

  const folder = async (name: string) => {
    const dir = await mkdtemp(join(tmpdir(), `container-${name}-`));
    temporary.push(dir);
    return dir;
  };
  /** The HEALTHCHECK command as Docker runs it: in the container's working directory, with its environment. */
  const runHealthcheck = async (env: Record<string, string>) => {
    expect(healthcheck[0]).toBe('node');
    const child = spawnNode(healthcheck.slice(1), env, join(runtime.root, runtime.workdir));
    const { code } = await child.exited;
    return code;
  };

  beforeAll(async () => {
    const context = await folder('context');
    await copyBuildContext('.', context);
    const named: Record<string, ReplayedStage> = {};
    for (const stage of stages.slice(0, -1)) {
      const replayed = await replayStage(stage, {
        root: await folder('build'),
        context,
        stages: named,
        runCommands: true,
      });
      if (stage.name) named[stage.name] = replayed;
    }
    build = named.build;
    // The runtime stage's one RUN makes the data folder writable for the image's `node` user, which
    // this machine does not have; the app creates the folder itself when it needs it.
    runtime = await replayStage(runtimeStage, {
      root: await folder('runtime'),
      context,
      stages: named,
      runCommands: false,
    });

    const databasePort = await freePort();
    database = await startDatabaseProcess(databasePort);
    sink = await new SmtpSink({ user: 'mailer', pass: 'secret' }).start();
    const redisUrl = inject('redisUrl');

    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const command = commandOf(lastArgs('CMD'));
    expect(command[0]).toBe('node');
    app = spawnNode(
      command.slice(1),
      {
        // What compose.yaml gives the container, over the shell's variables (CI's REDIS_URL, Vitest's NODE_ENV).
        ...runtime.env,
        PORT: String(port),
        // The embedded server does not speak the driver's streaming heartbeat (see database-server.ts).
        MONGODB_URI: `mongodb://127.0.0.1:${databasePort}/chat?serverMonitoringMode=poll`,
        REDIS_URL: redisUrl,
        REDIS_KEY_PREFIX: uniqueKeyPrefix(),
        JWT_SECRET: randomBytes(48).toString('base64'),
        PASSWORD_PEPPER: randomBytes(48).toString('base64'),
        TWO_FACTOR_ENCRYPTION_KEY: randomBytes(48).toString('base64'),
        SMTP_URL: sink.url,
        SMTP_CA_FILE: SmtpSink.CA_FILE,
        MAIL_FROM: 'Chat <no-reply@example.com>',
        API_URL: base,
        APP_URL: base,
        CORS_ORIGINS: '',
        MEDIA_PUBLIC_URL: `${base}/media`,
        LOG_LEVEL: 'log',
      },
      join(runtime.root, runtime.workdir),
    );
    const started = app;
    await waitUntil(async () => (await fetch(`${base}/api/health`)).status === 200, 60_000, 'the app').catch(
      (error: Error) => {
        throw new Error(`${error.message}; it printed:\n${started.output()}`, { cause: error });
      },
    );
  }, BUILD_TIMEOUT_MS);

  afterAll(async () => {
    await stopChild(app);
    await stopChild(database);
    await sink?.close();
    for (const dir of temporary) await rm(dir, { recursive: true, force: true });
  });

  it('compiles dist/main.js and keeps only the production dependencies', () => {
    const modules = join(build.root, build.workdir, 'node_modules');
    expect(existsSync(join(build.root, build.workdir, 'dist/main.js'))).toBe(true);
    expect(existsSync(join(modules, 'bcrypt'))).toBe(true);
    for (const devOnly of ['@nestjs/cli', '@nestjs/testing', 'vitest'])
      expect(existsSync(join(modules, devOnly)), devOnly).toBe(false);
  });

  it("leaves no link in the runtime's node_modules pointing at a file the image lacks", async () => {
    const modules = join(runtime.root, runtime.workdir, 'node_modules');
    const links = (await readdir(modules, { recursive: true, withFileTypes: true })).filter((entry) =>
      entry.isSymbolicLink(),
    );
    expect(links.length).toBeGreaterThan(0);
    for (const link of links) {
      const path = join(link.parentPath, link.name);
      await expect(stat(path), path).resolves.toBeDefined();
    }
  });

  it("runs from the runtime stage's files alone in production: external MongoDB, SMTP, bcrypt, no Swagger UI", async () => {
    expect(app!.output()).toContain(`Database: external MongoDB at mongodb://127.0.0.1:`);
    const email = uniqueEmail('container');
    const signup = await fetch(`${base}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ fullName: 'Container User', email, password: GOOD_PASSWORD }),
    });
    expect(signup.status).toBe(201);
    expect(signup.headers.get('set-cookie')).toMatch(/;\s*Secure/i);
    await sink.waitFor(email, SUBJECT.verify);
    expect((await fetch(`${base}/api/docs-json`)).status).toBe(404);
  });

  it('passes its HEALTHCHECK command', async () => {
    expect(await runHealthcheck({ PORT: String(port) })).toBe(0);
  });

  it('fails its HEALTHCHECK command on a non-2xx answer and when nothing listens', async () => {
    const unhealthy: Server = createServer((_req, res) => res.writeHead(503).end());
    const unhealthyPort = await freePort();
    await new Promise<void>((resolve) => unhealthy.listen(unhealthyPort, '127.0.0.1', resolve));
    try {
      expect(await runHealthcheck({ PORT: String(unhealthyPort) })).toBe(1);
    } finally {
      await new Promise((resolve) => unhealthy.close(resolve));
    }
    expect(await runHealthcheck({ PORT: String(await freePort()) })).toBe(1);
  });

  it('exits 0 on SIGTERM, which reaches node directly (exec-form CMD)', async () => {
    app!.process.kill('SIGTERM');
    expect(await app!.exited).toEqual({ code: 0, signal: null });
  });
});
