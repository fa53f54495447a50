import { loadAppConfig } from './app-config.js';

/** Everything a production boot needs; each test changes one thing. */
const PRODUCTION = {
  NODE_ENV: 'production',
  JWT_SECRET: 'j'.repeat(40),
  PASSWORD_PEPPER: 'p'.repeat(40),
  MONGODB_URI: 'mongodb://db.example.com:27017/chat',
  MEDIA_PUBLIC_URL: 'https://api.example.com/media',
  SMTP_URL: 'smtp://mailer:secret@smtp.example.com:587',
  MAIL_FROM: 'Chat <no-reply@example.com>',
  API_URL: 'https://api.example.com',
};

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

  it.each(['127.0.0.1', 'localhost', '[::1]'])('allows SMTP_TLS=off for a relay on %s', (host) => {
    const config = loadAppConfig({ ...PRODUCTION, SMTP_TLS: 'off', SMTP_URL: `smtp://${host}:25` });
    expect(config.mail.smtpTls).toBe('off');
  });
});
