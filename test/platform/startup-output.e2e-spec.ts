import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAppProcess, type AppProcess } from '../support/app/app-process.js';
import { freePort, spawnTs, stopChild, type Child } from '../support/app/child-process.js';

/** Nest's own start-up lines: one per module initialised, per controller and per route mapped. */
const FRAMEWORK_CONTEXTS = [
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
];
/** The summary main.ts prints once the app listens (Swagger is off in app-process). */
const SUMMARY = [
  /^Database: /,
  /^Media store: /,
  /^Mail: /,
  /^Redis: /,
  /^API: /,
  /^Chat socket: /,
  /^Swagger UI: /,
];

const printedLines = (proc: AppProcess) => proc.output().split('\n').filter(Boolean);

/** Waits until the last line of the summary is out (the health check can pass just before it). */
const untilStarted = (proc: AppProcess) =>
  vi.waitFor(() => {
    if (!proc.output().includes('Swagger UI: ')) throw new Error('the start-up summary is not out yet');
  });

describe('What `npm start` prints (e2e)', () => {
  let proc: AppProcess | undefined;
  afterEach(() => stopChild(proc));

  it('prints the summary alone at the default level, in development’s pretty lines', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'startup-output-'));
    proc = await startAppProcess({
      NODE_ENV: 'development',
      LOG_FORMAT: 'pretty',
      LOG_LEVEL: 'log',
      DATA_DIR: dataDir,
    });
    await untilStarted(proc);
    const lines = printedLines(proc);
    expect(lines).toHaveLength(SUMMARY.length);
    SUMMARY.forEach((start, i) => {
      const [, level, message, context] =
        /^\[[\d:.]+\] (\w+): (.*) \{"context":"(\w+)"\}$/.exec(lines[i]) ?? [];
      expect({ level, context }, lines[i]).toEqual({ level: 'INFO', context: 'Bootstrap' });
      expect(message).toMatch(start);
    });
  }, 120_000);

  it('brings Nest’s module and route lines back at LOG_LEVEL=debug, below the summary’s level', async () => {
    proc = await startAppProcess({ LOG_FORMAT: 'json', LOG_LEVEL: 'debug' });
    await untilStarted(proc);
    const lines = printedLines(proc).map(
      (line) => JSON.parse(line) as { level: number; context?: string; msg: string },
    );
    const framework = lines.filter((line) => FRAMEWORK_CONTEXTS.includes(line.context ?? ''));
    for (const context of FRAMEWORK_CONTEXTS) {
      expect(
        framework.some((line) => line.context === context),
        context,
      ).toBe(true);
    }
    expect(framework.filter((line) => line.context === 'RouterExplorer').length).toBeGreaterThan(20);
    expect(framework.some((line) => /^Mapped \{\/api\/auth\/login, POST\} route$/.test(line.msg))).toBe(true);
    expect(new Set(framework.map((line) => line.level))).toEqual(new Set([20]));
    const summary = lines.filter((line) => line.context === 'Bootstrap');
    expect(summary.map((line) => line.level)).toEqual(SUMMARY.map(() => 30));
  }, 120_000);
});

describe('A start with a MONGODB_URI that does not answer (e2e)', () => {
  let child: Child | undefined;
  afterEach(() => stopChild(child));

  it.each([
    ['development’s pretty lines', { NODE_ENV: 'development', LOG_FORMAT: 'pretty' }],
    ['JSON lines', { NODE_ENV: 'test', LOG_FORMAT: 'json' }],
  ])(
    'says so in one line, in %s, naming the variable and what to check, and exits 1',
    async (_name, env) => {
      // Nothing listens there: the port was free a moment ago.
      const dbPort = await freePort();
      child = spawnTs('src/main.ts', {
        ...env,
        LOG_LEVEL: 'log',
        MONGODB_URI: `mongodb://127.0.0.1:${dbPort}/x`,
        PORT: String(await freePort()),
        DATA_DIR: await mkdtemp(join(tmpdir(), 'startup-mongo-')),
        REDIS_URL: '',
      });
      expect(await child.exited).toEqual({ code: 1, signal: null });
      const lines = child.output().split('\n').filter(Boolean);
      expect(lines, child.output()).toHaveLength(1);
      const [line] = lines;
      expect(line).toContain(`MONGODB_URI (mongodb://127.0.0.1:${dbPort}/x)`);
      expect(line).toMatch(/host and port are reachable/);
      expect(line).toMatch(/user and password/);
      expect(line).toMatch(/unset MONGODB_URI to use the embedded server/);
      expect(line).not.toMatch(/topology|heartbeatFrequencyMS|"servers"|\bat .*\.js:\d+/i);
      if (env.LOG_FORMAT === 'json') expect(JSON.parse(line)).toMatchObject({ level: 50 });
      else expect(line).toMatch(/^\[[\d:.]+\] ERROR: /);
    },
    60_000,
  );
});
