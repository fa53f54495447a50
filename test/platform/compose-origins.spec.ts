import { randomBytes } from 'node:crypto';
import { loadAppConfig } from '../../src/config/app-config.js';
import { containerEnvironment, readCompose } from '../support/container/compose.js';

/** compose.yaml passes the frontend's origins and URL only when the operator chose them. */
describe('compose.yaml: the frontend settings', () => {
  const { api } = readCompose().services;
  const operator = {
    JWT_SECRET: randomBytes(48).toString('base64'),
    PASSWORD_PEPPER: randomBytes(48).toString('base64'),
    TWO_FACTOR_ENCRYPTION_KEY: randomBytes(48).toString('base64'),
    SMTP_URL: 'smtp://mailer:secret@smtp.example.com:587',
    MAIL_FROM: 'Chat <no-reply@example.com>',
    APP_URL: 'https://chat.example.com',
    CORS_ORIGINS: 'https://chat.example.com',
  };

  it('refuses to start without APP_URL, or with CORS_ORIGINS not set at all', () => {
    expect(() => containerEnvironment(api, { ...operator, APP_URL: undefined })).toThrow(
      'required variable APP_URL',
    );
    expect(() => containerEnvironment(api, { ...operator, APP_URL: '' })).toThrow(
      'required variable APP_URL',
    );
    expect(() => containerEnvironment(api, { ...operator, CORS_ORIGINS: undefined })).toThrow(
      'required variable CORS_ORIGINS',
    );
  });

  it('passes them to the app as set; an empty CORS_ORIGINS means same origin only', () => {
    const listed = loadAppConfig(containerEnvironment(api, operator));
    expect(listed.app.corsOrigins).toEqual(['https://chat.example.com']);
    expect(listed.mail.appUrl).toBe('https://chat.example.com');
    const sameOrigin = loadAppConfig(containerEnvironment(api, { ...operator, CORS_ORIGINS: '' }));
    expect(sameOrigin.app.corsOrigins).toEqual([]);
  });
});
