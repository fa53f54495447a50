import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAppProcess, type AppProcess } from './support/app-process.js';
import { stopChild } from './support/child-process.js';

/** Nest's own start-up lines: one per module initialised, per controller and per route mapped. */
const FRAMEWORK_CONTEXTS = ['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication'];
/** The summary main.ts prints once the app listens (Swagger is off in app-process). */
const SUMMARY = [/^Database: /, /^Media store: /, /^Mail: /, /^Redis: /, /^API: /, /^Chat socket: /, /^Swagger UI: /];

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
      const [, level, message, context] = /^\[[\d:.]+\] (\w+): (.*) \{"context":"(\w+)"\}$/.exec(lines[i]) ?? [];
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
      expect(framework.some((line) => line.context === context), context).toBe(true);
    }
    expect(framework.filter((line) => line.context === 'RouterExplorer').length).toBeGreaterThan(20);
    expect(framework.some((line) => /^Mapped \{\/api\/auth\/login, POST\} route$/.test(line.msg))).toBe(true);
    expect(new Set(framework.map((line) => line.level))).toEqual(new Set([20]));
    const summary = lines.filter((line) => line.context === 'Bootstrap');
    expect(summary.map((line) => line.level)).toEqual(SUMMARY.map(() => 30));
  }, 120_000);
});
