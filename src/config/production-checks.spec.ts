import { loadAppConfig } from './app-config.js';

/** Everything a production boot needs; each test changes one thing. */
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

describe('loadAppConfig in production: no development defaults', () => {
  it('refuses to start without CORS_ORIGINS and APP_URL, naming both', () => {
    expect(() => loadAppConfig({ ...PRODUCTION, CORS_ORIGINS: undefined, APP_URL: undefined })).toThrow(
      /CORS_ORIGINS must be set in production[\s\S]*APP_URL is required in production/,
    );
    expect(() => loadAppConfig({ ...PRODUCTION, APP_URL: '' })).toThrow(/APP_URL is required in production/);
  });

  it('takes an empty CORS_ORIGINS as same origin only', () => {
    const config = loadAppConfig({ ...PRODUCTION, CORS_ORIGINS: ' ' });
    expect(config.app.corsOrigins).toEqual([]);
    expect(config.mail.appUrl).toBe('https://chat.example.com');
  });

  it('uses what is set', () => {
    const config = loadAppConfig({
      ...PRODUCTION,
      CORS_ORIGINS: 'https://chat.example.com, https://admin.example.com',
      APP_URL: 'https://chat.example.com/app/',
    });
    expect(config.app.corsOrigins).toEqual(['https://chat.example.com', 'https://admin.example.com']);
    expect(config.mail.appUrl).toBe('https://chat.example.com/app');
  });
});

describe('loadAppConfig in production: mail in clear text', () => {
  it('requires TLS to the SMTP server unless SMTP_TLS=off', () => {
    expect(loadAppConfig(PRODUCTION).mail.smtpTls).toBe('required');
    expect(loadAppConfig({ ...PRODUCTION, SMTP_TLS: 'ON' }).mail.smtpTls).toBe('required');
  });

  it('refuses SMTP_TLS=off for a server on another machine, naming its host', () => {
    expect(() => loadAppConfig({ ...PRODUCTION, SMTP_TLS: 'off' })).toThrow(
      /SMTP_TLS=off is allowed in production only for an SMTP server on this machine .* not smtp\.example\.com/,
    );
  });

  it.each([
    ['smtp://?x=1', /SMTP_URL names no host/],
    ['smtp://[bad', /SMTP_URL is not a valid URL/],
    [
      'smtps://mailer:secret@smtp.example.com:465?tls.rejectUnauthorized=false',
      /SMTP_URL takes no \?options/,
    ],
  ])('refuses SMTP_URL=%s', (url, message) => {
    expect(() => loadAppConfig({ ...PRODUCTION, SMTP_URL: url })).toThrow(message);
  });

  it.each(['127.0.0.1', 'localhost', '[::1]'])('allows SMTP_TLS=off for a relay on %s', (host) => {
    const config = loadAppConfig({ ...PRODUCTION, SMTP_TLS: 'off', SMTP_URL: `smtp://${host}:25` });
    expect(config.mail.smtpTls).toBe('off');
  });
});

describe('loadAppConfig in production: metrics', () => {
  it('refuses METRICS_ENABLED without METRICS_TOKEN, naming METRICS_TOKEN and METRICS_PUBLIC', () => {
    expect(() => loadAppConfig({ ...PRODUCTION, METRICS_ENABLED: 'true' })).toThrow(
      /METRICS_TOKEN is required in production when METRICS_ENABLED is on.*METRICS_PUBLIC=true/,
    );
  });

  it('serves them with a token, or to anyone only when METRICS_PUBLIC=true says so', () => {
    const token = 't'.repeat(16);
    expect(loadAppConfig({ ...PRODUCTION, METRICS_ENABLED: 'true', METRICS_TOKEN: token }).metrics).toEqual({
      enabled: true,
      token,
    });
    expect(loadAppConfig({ ...PRODUCTION, METRICS_ENABLED: 'true', METRICS_PUBLIC: 'true' }).metrics).toEqual(
      { enabled: true, token: undefined },
    );
    expect(loadAppConfig(PRODUCTION).metrics.enabled).toBe(false);
    expect(() => loadAppConfig({ ...PRODUCTION, METRICS_PUBLIC: 'perhaps' })).toThrow(/METRICS_PUBLIC/);
  });
});
