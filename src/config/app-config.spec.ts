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

  it('limits failed passwords per network, per account and per known device, with sane defaults', () => {
    expect(loadAppConfig(TEST).auth.loginLimits).toEqual({
      windowMs: 15 * 60_000,
      perAddress: 5,
      perAccount: 100,
      perKnownDevice: 5,
      perConfirmation: 5,
    });
    const tuned = loadAppConfig({
      ...TEST,
      LOGIN_LOCK_WINDOW: '1h',
      LOGIN_MAX_FAILURES_PER_ADDRESS: '10',
      LOGIN_MAX_FAILURES_PER_ACCOUNT: '500',
      LOGIN_MAX_FAILURES_PER_DEVICE: '3',
      PASSWORD_CONFIRM_MAX_FAILURES: '4',
    }).auth.loginLimits;
    expect(tuned).toEqual({
      windowMs: 3600_000,
      perAddress: 10,
      perAccount: 500,
      perKnownDevice: 3,
      perConfirmation: 4,
    });
    expect(() => loadAppConfig({ ...TEST, LOGIN_LOCK_WINDOW: '30s' })).toThrow(/LOGIN_LOCK_WINDOW/);
    expect(() => loadAppConfig({ ...TEST, LOGIN_LOCK_WINDOW: 'soon' })).toThrow(/LOGIN_LOCK_WINDOW/);
    expect(() => loadAppConfig({ ...TEST, LOGIN_MAX_FAILURES_PER_ADDRESS: '0' })).toThrow(
      /LOGIN_MAX_FAILURES_PER_ADDRESS/,
    );
    expect(() =>
      loadAppConfig({ ...TEST, LOGIN_MAX_FAILURES_PER_ADDRESS: '20', LOGIN_MAX_FAILURES_PER_ACCOUNT: '10' }),
    ).toThrow(/LOGIN_MAX_FAILURES_PER_ACCOUNT must not be less/);
  });
});
