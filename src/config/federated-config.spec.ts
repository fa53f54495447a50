import { loadAppConfig } from './app-config.js';

const PRODUCTION = {
  NODE_ENV: 'production',
  JWT_SECRET: 'j'.repeat(40),
  PASSWORD_PEPPER: 'p'.repeat(40),
  TWO_FACTOR_ENCRYPTION_KEY: 't'.repeat(40),
  MONGODB_URI: 'mongodb://db.example.com:27017/chat',
  MEDIA_PUBLIC_URL: 'https://api.example.com/media',
  SMTP_URL: 'smtp://mailer:secret@smtp.example.com:587',
  MAIL_FROM: 'Chat <no-reply@example.com>',
  API_URL: 'https://api.example.com',
  CORS_ORIGINS: 'https://chat.example.com',
  APP_URL: 'https://chat.example.com',
};

describe('loadAppConfig: sign-in providers', () => {
  const test = (env: Record<string, string>) => loadAppConfig({ NODE_ENV: 'test', ...env }).federated;

  it('offers no provider unless one is configured, and ignores empty variables', () => {
    expect(test({})).toEqual({});
    expect(test({ OIDC_ISSUER: '', GOOGLE_CLIENT_ID: ' ', GITHUB_URL: '' })).toEqual({});
  });

  it('reads each provider with its defaults', () => {
    expect(
      test({
        OIDC_ISSUER: 'https://login.example.com/realms/chat',
        OIDC_CLIENT_ID: 'chat',
        OIDC_CLIENT_SECRET: 'oidc-secret',
        GOOGLE_CLIENT_ID: 'g-id',
        GOOGLE_CLIENT_SECRET: 'g-secret',
        GITHUB_CLIENT_ID: 'gh-id',
        GITHUB_CLIENT_SECRET: 'gh-secret',
      }),
    ).toEqual({
      oidc: {
        issuer: 'https://login.example.com/realms/chat',
        clientId: 'chat',
        clientSecret: 'oidc-secret',
        name: 'Single sign-on',
      },
      google: { issuer: 'https://accounts.google.com', clientId: 'g-id', clientSecret: 'g-secret' },
      github: {
        url: 'https://github.com',
        apiUrl: 'https://api.github.com',
        clientId: 'gh-id',
        clientSecret: 'gh-secret',
      },
    });
  });

  it('takes a button label, a Google issuer for tests and proxies, and GitHub Enterprise URLs', () => {
    const config = test({
      OIDC_ISSUER: 'http://127.0.0.1:4000',
      OIDC_CLIENT_ID: 'chat',
      OIDC_CLIENT_SECRET: 's',
      OIDC_NAME: '  Acme staff  ',
      GOOGLE_CLIENT_ID: 'g',
      GOOGLE_CLIENT_SECRET: 's',
      GOOGLE_ISSUER: 'http://127.0.0.1:4001',
      GITHUB_CLIENT_ID: 'gh',
      GITHUB_CLIENT_SECRET: 's',
      GITHUB_URL: 'https://ghe.example.com/',
      GITHUB_API_URL: 'https://ghe.example.com/api/v3/',
    });
    expect(config.oidc?.name).toBe('Acme staff');
    expect(config.google?.issuer).toBe('http://127.0.0.1:4001');
    expect(config.github).toMatchObject({
      url: 'https://ghe.example.com',
      apiUrl: 'https://ghe.example.com/api/v3',
    });
  });

  it('refuses a half-configured provider, naming what is missing', () => {
    expect(() => test({ OIDC_ISSUER: 'https://login.example.com' })).toThrow(
      /OIDC_CLIENT_ID is required when OIDC_ISSUER is set[\s\S]*OIDC_CLIENT_SECRET is required/,
    );
    expect(() => test({ OIDC_NAME: 'Staff' })).toThrow(/OIDC_ISSUER is required when OIDC_NAME is set/);
    expect(() => test({ GOOGLE_CLIENT_ID: 'g' })).toThrow(
      /GOOGLE_CLIENT_SECRET is required when GOOGLE_CLIENT_ID is set/,
    );
    expect(() => test({ GITHUB_URL: 'https://ghe.example.com' })).toThrow(
      /GITHUB_CLIENT_ID is required when GITHUB_URL is set/,
    );
  });

  it('refuses URLs that are not http(s), or carry a query', () => {
    const oidc = { OIDC_CLIENT_ID: 'c', OIDC_CLIENT_SECRET: 's' };
    expect(() => test({ ...oidc, OIDC_ISSUER: 'login.example.com' })).toThrow(
      /OIDC_ISSUER must be an http\(s\) URL/,
    );
    expect(() => test({ ...oidc, OIDC_ISSUER: 'https://login.example.com/?tenant=1' })).toThrow(
      /OIDC_ISSUER takes no \?query/,
    );
    expect(() => test({ OIDC_CLIENT_ID: 'c', OIDC_CLIENT_SECRET: 's', OIDC_NAME: 'x'.repeat(65) })).toThrow(
      /OIDC_NAME must be at most 64 characters/,
    );
  });

  it('accepts an http:// issuer or GitHub URL only outside production', () => {
    const google = { GOOGLE_CLIENT_ID: 'g', GOOGLE_CLIENT_SECRET: 's' };
    expect(loadAppConfig({ ...PRODUCTION, ...google }).federated.google?.issuer).toBe(
      'https://accounts.google.com',
    );
    expect(() => loadAppConfig({ ...PRODUCTION, ...google, GOOGLE_ISSUER: 'http://127.0.0.1:4001' })).toThrow(
      /GOOGLE_ISSUER must be an https:\/\/ URL in production/,
    );
    const github = { GITHUB_CLIENT_ID: 'gh', GITHUB_CLIENT_SECRET: 's' };
    expect(() =>
      loadAppConfig({
        ...PRODUCTION,
        ...github,
        GITHUB_URL: 'http://ghe.internal',
        GITHUB_API_URL: 'http://ghe.internal/api/v3',
      }),
    ).toThrow(/GITHUB_URL must be an https:\/\/ URL in production[\s\S]*GITHUB_API_URL must be an https/);
    expect(() =>
      loadAppConfig({
        ...PRODUCTION,
        OIDC_ISSUER: 'http://login.internal',
        OIDC_CLIENT_ID: 'c',
        OIDC_CLIENT_SECRET: 's',
      }),
    ).toThrow(/OIDC_ISSUER must be an https:\/\/ URL in production/);
  });
});
