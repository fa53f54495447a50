import { type Child, freePort, spawnTs, stopChild, waitUntil } from './child-process.js';

export interface AppProcess extends Child {
  port: number;
  base: string;
}

/** The real app (src/main.ts, as `npm start` runs it) in a child process on a free port. */
export async function startAppProcess(env: Record<string, string>): Promise<AppProcess> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawnTs('src/main.ts', {
    NODE_ENV: 'test',
    MONGODB_URI: '',
    LOG_LEVEL: 'log',
    BCRYPT_COST: '4',
    RATE_LIMIT_AUTH_PER_MINUTE: '0',
    SWAGGER_ENABLED: 'false',
    // Single instance even when the shell sets REDIS_URL (see TEST_ENV).
    REDIS_URL: '',
    ...env,
    PORT: String(port),
  });
  try {
    await waitUntil(async () => (await fetch(`${base}/api/health`)).status === 200, 90_000, 'the app');
  } catch (error) {
    await stopChild(child);
    throw new Error(`${(error as Error).message}; it printed:\n${child.output()}`, { cause: error });
  }
  return { ...child, port, base };
}
