import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigurationError } from '../../src/config/environment.js';
import { loadAppConfig, parseDuration } from '../../src/config/app-config.js';
import { buildContextFiles, dockerignoreMatcher } from '../support/container/build-context.js';
import { containerEnvironment, interpolate, readCompose } from '../support/container/compose.js';
import {
  commandOf,
  instructionsOf,
  parseCopy,
  parseHealthcheck,
  readDockerfile,
} from '../support/container/dockerfile.js';

/**
 * The container files read as Docker and Compose would read them (no image can be pulled on these
 * machines, so nothing is built or started here; test/platform/container.e2e-spec.ts runs the Dockerfile's
 * steps without Docker).
 */
describe('Dockerfile', () => {
  const stages = readDockerfile();
  const build = stages[0];
  const runtime = stages.at(-1)!;
  const runtimeLine = (keyword: string) => instructionsOf(runtime, keyword).at(-1)?.args;

  it('builds in a named stage and runs from a second one, both on Node 24, the current LTS line (package.json: >=20.19)', () => {
    expect(stages).toHaveLength(2);
    expect(build.name).toBe('build');
    for (const stage of stages) expect(stage.image).toMatch(/^node:24(\.|-|$)/);
    const packageJson = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };
    expect(packageJson.engines.node).toBe('>=20.19');
  });

  it('copies from the build context only files that a plain checkout sends (tracked, not in .dockerignore)', () => {
    const context = buildContextFiles();
    const inContext = (source: string) =>
      context.some((file) => file === source || file.startsWith(`${source.replace(/\/$/, '')}/`));
    const copies = stages.flatMap((stage) =>
      instructionsOf(stage, 'COPY').map(({ args }) => parseCopy(args)),
    );
    const fromContext = copies.filter((copy) => !copy.from).flatMap((copy) => copy.sources);
    expect(fromContext.length).toBeGreaterThan(0);
    for (const source of fromContext) expect(inContext(source), source).toBe(true);
  });

  it("copies into the runtime stage only from the build stage's working directory", () => {
    const workdir = instructionsOf(build, 'WORKDIR').at(-1)!.args;
    const copies = instructionsOf(runtime, 'COPY').map(({ args }) => parseCopy(args));
    expect(copies.map((copy) => copy.from)).toEqual(copies.map(() => 'build'));
    for (const source of copies.flatMap((copy) => copy.sources))
      expect(source.startsWith(`${workdir}/`)).toBe(true);
    expect(copies.flatMap((copy) => copy.sources.map((source) => source.slice(workdir.length + 1)))).toEqual(
      expect.arrayContaining(['package.json', 'node_modules', 'vendor', 'dist']),
    );
  });

  it('runs the runtime stage in production as a user other than root', () => {
    expect(runtimeLine('ENV')).toBe('NODE_ENV=production MALLOC_ARENA_MAX=2 MALLOC_TRIM_THRESHOLD_=131072');
    expect(runtimeLine('USER')).toBeDefined();
    expect(runtimeLine('USER')).not.toMatch(/^(root|0)(:|$)/);
    expect(runtimeLine('EXPOSE')).toBe('5001');
  });

  it('starts `node dist/main.js` in exec form, so SIGTERM reaches node and no shell', () => {
    const command = JSON.parse(runtimeLine('CMD')!) as string[];
    expect(command).toEqual([
      'node',
      '--min-semi-space-size=8',
      '--max-semi-space-size=8',
      '--no-allocation-site-pretenuring',
      'dist/main.js',
    ]);
    // `npm run start:prod` and the benchmarks run production's command too, with its glibc settings.
    const { scripts } = JSON.parse(readFileSync('package.json', 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(scripts['start:prod']).toBe(
      `MALLOC_ARENA_MAX=2 MALLOC_TRIM_THRESHOLD_=131072 ${command.join(' ')}`,
    );
    const benchServer = readFileSync('bench/support/server.mjs', 'utf8');
    const benchFlags = /PRODUCTION_NODE_FLAGS = (\[[^\]]*\])/.exec(benchServer)?.[1] ?? '[]';
    expect(JSON.parse(benchFlags.replace(/'/g, '"').replace(/,\s*\]/, ']'))).toEqual(command.slice(1, -1));
    expect(benchServer).toContain(
      `PRODUCTION_ENV = { MALLOC_ARENA_MAX: '2', MALLOC_TRIM_THRESHOLD_: '131072' }`,
    );
  });

  it('checks health with node itself (no curl in the slim image) against /api/health on $PORT', () => {
    const { options, command } = parseHealthcheck(runtimeLine('HEALTHCHECK')!);
    const argv = commandOf(command);
    expect(argv[0]).toBe('node');
    expect(argv.join(' ')).toContain('/api/health');
    expect(argv.join(' ')).toContain('process.env.PORT || 5001');
    expect(Object.keys(options)).toEqual(expect.arrayContaining(['interval', 'timeout', 'start-period']));
  });
});

describe('.dockerignore', () => {
  const ignored = dockerignoreMatcher(readFileSync('.dockerignore', 'utf8'));

  it('keeps out dependencies, build output, local data, secrets and generated files', () => {
    for (const path of [
      'node_modules/bcrypt/package.json',
      'dist/main.js',
      'data/secrets/jwt-secret',
      '.env',
      '.env.production',
      '.git/HEAD',
      'coverage/index.html',
      'src/metadata.ts',
    ]) {
      expect(ignored(path), path).toBe(true);
    }
    for (const path of [
      'package.json',
      'package-lock.json',
      'vendor/empty-package/package.json',
      'src/main.ts',
    ]) {
      expect(ignored(path), path).toBe(false);
    }
  });

  it('matches as Docker does: folders by their contents, `**`, and `!` exceptions with the last line winning', () => {
    const matcher = dockerignoreMatcher('logs\n**/*.tmp\n.env.*\n!.env.example\n');
    expect(matcher('logs/a/b.txt')).toBe(true);
    expect(matcher('src/logs/a.txt')).toBe(false);
    expect(matcher('a/b/c.tmp')).toBe(true);
    expect(matcher('c.tmp')).toBe(true);
    expect(matcher('.env.local')).toBe(true);
    expect(matcher('.env.example')).toBe(false);
  });
});

describe('compose.yaml', () => {
  const compose = readCompose();
  const { api, mongo, redis } = compose.services;
  /** What an operator sets before `docker compose up`. */
  const operator = {
    JWT_SECRET: randomBytes(48).toString('base64'),
    PASSWORD_PEPPER: randomBytes(48).toString('base64'),
    TWO_FACTOR_ENCRYPTION_KEY: randomBytes(48).toString('base64'),
    SMTP_URL: 'smtp://mailer:secret@smtp.example.com:587',
    MAIL_FROM: 'Chat <no-reply@example.com>',
    APP_URL: 'https://chat.example.com',
    CORS_ORIGINS: '',
  };
  const required = Object.entries(api.environment ?? {})
    .filter(([, value]) => /^\$\{\w+:\?/.test(String(value)))
    .map(([name]) => name);

  it('is a Compose-spec file (no `version`) with MongoDB, Redis and the API built from this folder', () => {
    expect(compose.version).toBeUndefined();
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'mongo', 'redis']);
    expect(mongo.image).toMatch(/^mongo:\d/);
    expect(redis.image).toMatch(/^redis:\d/);
    expect(api.build).toBe('.');
  });

  it('points the API at the compose services and waits until both answer their health checks', () => {
    const env = containerEnvironment(api, operator);
    expect(new URL(env.MONGODB_URI).hostname).toBe('mongo');
    expect(new URL(env.REDIS_URL).hostname).toBe('redis');
    expect(api.depends_on).toEqual({
      mongo: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
    });
    expect(mongo.healthcheck!.test).toEqual(expect.arrayContaining(['mongosh']));
    expect(redis.healthcheck!.test).toEqual(expect.arrayContaining(['redis-cli', 'ping']));
    expect(mongo.volumes).toEqual(['mongo-data:/data/db']);
  });

  it('publishes the port the app listens on and the image EXPOSEs, and keeps DATA_DIR on a volume', () => {
    const env = containerEnvironment(api, operator);
    const exposed = instructionsOf(readDockerfile().at(-1)!, 'EXPOSE').at(-1)!.args;
    expect(api.ports).toEqual([`${env.PORT}:${env.PORT}`]);
    expect(env.PORT).toBe(exposed);
    expect(api.volumes).toEqual(['media:/app/data']);
    expect(Object.keys(compose.volumes ?? {}).sort()).toEqual(['media', 'mongo-data']);
  });

  it('passes the production boot checks once the operator sets the required variables', () => {
    const config = loadAppConfig(containerEnvironment(api, operator));
    expect(config.app.env).toBe('production');
    expect(config.database.uri).toBe('mongodb://mongo:27017/chat');
    expect(config.redis.url).toBe('redis://redis:6379');
    expect(config.mail.smtpUrl).toBe(operator.SMTP_URL);
    // Docker's SIGKILL must not come before the app has let its in-flight requests finish.
    expect(parseDuration(api.stop_grace_period!) * 1000).toBeGreaterThan(config.server.shutdownGraceMs);
  });

  it('requires the secrets and the mail server from the operator (no default), and each one is needed', () => {
    expect(required.sort()).toEqual([
      'APP_URL',
      'JWT_SECRET',
      'MAIL_FROM',
      'PASSWORD_PEPPER',
      'SMTP_URL',
      'TWO_FACTOR_ENCRYPTION_KEY',
    ]);
    for (const name of required) {
      const without = { ...operator, [name]: undefined };
      expect(() => containerEnvironment(api, without), name).toThrow(`required variable ${name}`);
      // Had compose started anyway with the value empty, the app would refuse to boot.
      const empty = { ...containerEnvironment(api, operator), [name]: '' };
      expect(() => loadAppConfig(empty), name).toThrow(ConfigurationError);
    }
  });

  it('interpolates as Compose does', () => {
    expect(interpolate('${A:-x}/${B-y}/$C/$$D', { A: '', B: '', C: 'c' })).toBe('x//c/$D');
    expect(interpolate('${A?must}', { A: '' })).toBe('');
    expect(() => interpolate('${A:?must}', { A: '' })).toThrow(
      'required variable A is missing a value: must',
    );
  });
});
