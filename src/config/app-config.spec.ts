import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { Logger } from '@nestjs/common';
import { loadAppConfig } from './app-config.js';
import { SECRET_PLACEHOLDER } from './environment.js';

describe('loadAppConfig: secrets', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'app-config-'));
  });
  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
    vi.restoreAllMocks();
  });

  it('gives a development server copied from .env.example secrets of its own, none published', () => {
    const example = parseEnv(readFileSync(new URL('../../.env.example', import.meta.url), 'utf8'));
    const { auth } = loadAppConfig({ ...example, DATA_DIR: dataDir });
    const published = [...Object.values(example), SECRET_PLACEHOLDER];
    for (const secret of [auth.jwtSecret, auth.passwordPepper]) {
      expect(secret.length).toBeGreaterThanOrEqual(32);
      expect(published).not.toContain(secret);
    }
  });

  it('treats the placeholder as unset in development: generates, keeps and warns', () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const env = {
      NODE_ENV: 'development',
      DATA_DIR: dataDir,
      JWT_SECRET: SECRET_PLACEHOLDER,
      PASSWORD_PEPPER: SECRET_PLACEHOLDER,
    };
    const first = loadAppConfig(env).auth;
    expect(first.jwtSecret).not.toBe(SECRET_PLACEHOLDER);
    expect(first.passwordPepper).not.toBe(SECRET_PLACEHOLDER);
    expect(first.jwtSecret).not.toBe(first.passwordPepper);
    expect(readFileSync(join(dataDir, 'secrets', 'jwt-secret'), 'utf8')).toBe(first.jwtSecret);
    expect(readFileSync(join(dataDir, 'secrets', 'password-pepper'), 'utf8')).toBe(first.passwordPepper);
    expect(warn.mock.calls.map(([message]) => String(message))).toEqual([
      expect.stringMatching(/^JWT_SECRET is the published \.env\.example placeholder/),
      expect.stringMatching(/^PASSWORD_PEPPER is the published \.env\.example placeholder/),
    ]);
    // A restart reads the same generated secrets back, so sessions and passwords survive it.
    expect(loadAppConfig(env).auth).toMatchObject({
      jwtSecret: first.jwtSecret,
      passwordPepper: first.passwordPepper,
    });
  });

  it('keeps a secret the operator chose', () => {
    const jwtSecret = 'an-operator-chosen-secret-of-enough-length-42';
    const pepper = 'an-operator-chosen-pepper-of-enough-length-42';
    const { auth } = loadAppConfig({ DATA_DIR: dataDir, JWT_SECRET: jwtSecret, PASSWORD_PEPPER: pepper });
    expect(auth).toMatchObject({ jwtSecret, passwordPepper: pepper });
  });

  it('refuses the placeholder in production, naming both variables', () => {
    expect(() =>
      loadAppConfig({
        NODE_ENV: 'production',
        DATA_DIR: dataDir,
        MONGODB_URI: 'mongodb://127.0.0.1:27017/app',
        MEDIA_PUBLIC_URL: 'https://api.example.com/media',
        JWT_SECRET: SECRET_PLACEHOLDER,
        PASSWORD_PEPPER: SECRET_PLACEHOLDER,
      }),
    ).toThrow(
      /JWT_SECRET is still the \.env\.example placeholder[\s\S]*PASSWORD_PEPPER is still the \.env\.example placeholder/,
    );
  });
});

describe('loadAppConfig: operating settings', () => {
  const TEST = { NODE_ENV: 'test', JWT_SECRET: 'x'.repeat(40), PASSWORD_PEPPER: 'y'.repeat(40) };

  it('logs pretty lines in development and JSON everywhere else, unless LOG_FORMAT says', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'app-config-'));
    try {
      expect(loadAppConfig({ ...TEST, NODE_ENV: 'development', DATA_DIR: dataDir }).app.logFormat).toBe(
        'pretty',
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
    expect(loadAppConfig(TEST).app.logFormat).toBe('json');
    expect(loadAppConfig({ ...TEST, LOG_FORMAT: 'PRETTY' }).app.logFormat).toBe('pretty');
    expect(() => loadAppConfig({ ...TEST, LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT/);
  });

  it('keeps metrics off by default and refuses a short METRICS_TOKEN', () => {
    expect(loadAppConfig(TEST).metrics).toEqual({ enabled: false, token: undefined });
    expect(
      loadAppConfig({ ...TEST, METRICS_ENABLED: 'true', METRICS_TOKEN: 't'.repeat(16) }).metrics,
    ).toEqual({
      enabled: true,
      token: 't'.repeat(16),
    });
    expect(() => loadAppConfig({ ...TEST, METRICS_TOKEN: 'short' })).toThrow(
      /METRICS_TOKEN must be at least 16/,
    );
  });

  it('keeps security events 90 days by default, 1 to 3650 when set', () => {
    expect(loadAppConfig(TEST).audit.retentionDays).toBe(90);
    expect(loadAppConfig({ ...TEST, AUDIT_RETENTION_DAYS: '7' }).audit.retentionDays).toBe(7);
    for (const bad of ['0', '3651', 'ten']) {
      expect(() => loadAppConfig({ ...TEST, AUDIT_RETENTION_DAYS: bad })).toThrow(/AUDIT_RETENTION_DAYS/);
    }
  });
});
