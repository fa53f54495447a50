import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { Logger } from '@nestjs/common';
import { loadAppConfig } from './app-config.js';
import { SECRET_PLACEHOLDER } from './environment.js';

describe('loadAppConfig: TWO_FACTOR_ENCRYPTION_KEY and TWO_FACTOR_ISSUER', () => {
  let dataDir: string;
  const production = () => ({
    NODE_ENV: 'production',
    DATA_DIR: dataDir,
    MONGODB_URI: 'mongodb://127.0.0.1:27017/app',
    MEDIA_PUBLIC_URL: 'https://api.example.com/media',
    JWT_SECRET: 'j'.repeat(40),
    PASSWORD_PEPPER: 'p'.repeat(40),
    SMTP_URL: 'smtp://user:pass@smtp.example.com:587',
    MAIL_FROM: 'Chat <no-reply@example.com>',
    API_URL: 'https://api.example.com',
    APP_URL: 'https://chat.example.com',
    CORS_ORIGINS: '',
  });
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'two-factor-config-'));
  });
  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
    vi.restoreAllMocks();
  });

  it('generates a key in development, keeps it under DATA_DIR, and reads it back after a restart', () => {
    const example = parseEnv(readFileSync(new URL('../../.env.example', import.meta.url), 'utf8'));
    const { twoFactor } = loadAppConfig({ ...example, DATA_DIR: dataDir });
    expect(Buffer.byteLength(twoFactor.encryptionKey)).toBeGreaterThanOrEqual(32);
    expect([...Object.values(example), SECRET_PLACEHOLDER]).not.toContain(twoFactor.encryptionKey);
    expect(readFileSync(join(dataDir, 'secrets', 'two-factor-encryption-key'), 'utf8')).toBe(
      twoFactor.encryptionKey,
    );
    expect(loadAppConfig({ ...example, DATA_DIR: dataDir }).twoFactor.encryptionKey).toBe(
      twoFactor.encryptionKey,
    );
    expect(twoFactor.issuer).toBe('Chat auth');
  });

  it('treats the placeholder as unset in development, with a warning', () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const { twoFactor } = loadAppConfig({
      NODE_ENV: 'development',
      DATA_DIR: dataDir,
      TWO_FACTOR_ENCRYPTION_KEY: SECRET_PLACEHOLDER,
    });
    expect(twoFactor.encryptionKey).not.toBe(SECRET_PLACEHOLDER);
    expect(warn.mock.calls.map(([message]) => String(message))).toContainEqual(
      expect.stringMatching(/^TWO_FACTOR_ENCRYPTION_KEY is the published \.env\.example placeholder/),
    );
  });

  it('requires a key of 32 bytes or more in production, and refuses the placeholder', () => {
    expect(() => loadAppConfig(production())).toThrow(/TWO_FACTOR_ENCRYPTION_KEY is required in production/);
    expect(() => loadAppConfig({ ...production(), TWO_FACTOR_ENCRYPTION_KEY: SECRET_PLACEHOLDER })).toThrow(
      /TWO_FACTOR_ENCRYPTION_KEY is still the \.env\.example placeholder/,
    );
    expect(() => loadAppConfig({ ...production(), TWO_FACTOR_ENCRYPTION_KEY: 'k'.repeat(31) })).toThrow(
      /TWO_FACTOR_ENCRYPTION_KEY must be at least 32 bytes/,
    );
    const key = 'an-operator-chosen-two-factor-key-of-enough-length';
    expect(loadAppConfig({ ...production(), TWO_FACTOR_ENCRYPTION_KEY: key }).twoFactor.encryptionKey).toBe(
      key,
    );
  });

  it('takes an issuer name without a colon', () => {
    const env = { NODE_ENV: 'test', TWO_FACTOR_ISSUER: 'Acme Chat' };
    expect(loadAppConfig(env).twoFactor.issuer).toBe('Acme Chat');
    expect(() => loadAppConfig({ ...env, TWO_FACTOR_ISSUER: 'Acme: Chat' })).toThrow(/TWO_FACTOR_ISSUER/);
  });
});
