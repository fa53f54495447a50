import { loadAppConfig } from './app-config.js';

describe('loadAppConfig: WEBAUTHN_RP_ID, WEBAUTHN_RP_NAME and WEBAUTHN_ORIGINS', () => {
  const load = (env: Record<string, string>) => loadAppConfig({ NODE_ENV: 'test', ...env }).passkeys;

  it('defaults to the host of APP_URL, the app name, and the origins of APP_URL and API_URL', () => {
    expect(load({})).toEqual({
      rpId: 'localhost',
      rpName: 'Chat auth',
      origins: ['http://localhost:5173', 'http://localhost:5001'],
    });
    expect(
      load({
        APP_URL: 'https://chat.example.com/app',
        API_URL: 'https://chat.example.com',
        TWO_FACTOR_ISSUER: 'Acme',
      }),
    ).toEqual({ rpId: 'chat.example.com', rpName: 'Acme', origins: ['https://chat.example.com'] });
  });

  it('leaves out of the default origins those the RP ID does not cover', () => {
    expect(load({ APP_URL: 'https://chat.example.com', API_URL: 'https://api.example.net' })).toEqual({
      rpId: 'chat.example.com',
      rpName: 'Chat auth',
      origins: ['https://chat.example.com'],
    });
    expect(
      load({
        WEBAUTHN_RP_ID: 'Example.com',
        APP_URL: 'https://chat.example.com',
        API_URL: 'https://api.example.com',
        WEBAUTHN_RP_NAME: 'Example Chat',
      }),
    ).toEqual({
      rpId: 'example.com',
      rpName: 'Example Chat',
      origins: ['https://chat.example.com', 'https://api.example.com'],
    });
  });

  it('takes origins that the RP ID covers: the same host, or a subdomain', () => {
    const env = { WEBAUTHN_RP_ID: 'example.com', APP_URL: 'https://example.com' };
    expect(
      load({ ...env, WEBAUTHN_ORIGINS: 'https://example.com, https://app.example.com:8443' }).origins,
    ).toEqual(['https://example.com', 'https://app.example.com:8443']);
  });

  it('stops the app on an origin outside the RP ID, naming the variables', () => {
    expect(() =>
      load({ WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://example.com,https://notexample.com' }),
    ).toThrow(
      /WEBAUTHN_ORIGINS has https:\/\/notexample\.com, whose host is not WEBAUTHN_RP_ID \(example\.com\)/,
    );
    expect(() =>
      load({ APP_URL: 'https://chat.example.com', WEBAUTHN_ORIGINS: 'https://example.com' }),
    ).toThrow(/WEBAUTHN_RP_ID defaults to the host of APP_URL/);
    expect(() =>
      load({
        WEBAUTHN_RP_ID: 'other.org',
        APP_URL: 'https://chat.example.com',
        API_URL: 'https://api.example.com',
      }),
    ).toThrow(/WEBAUTHN_RP_ID \(other\.org\) is neither the host of APP_URL nor of API_URL/);
  });

  it('refuses an RP ID that is not a domain, and an origin that is not one', () => {
    for (const rpId of ['https://example.com', 'example.com:443', 'example.com/x', '-bad.example'])
      expect(() => load({ WEBAUTHN_RP_ID: rpId })).toThrow(/WEBAUTHN_RP_ID must be a domain name/);
    expect(() => load({ WEBAUTHN_ORIGINS: 'http://localhost:5173/path' })).toThrow(
      /WEBAUTHN_ORIGINS entries must be origins/,
    );
    expect(() => load({ WEBAUTHN_ORIGINS: ' , ' })).toThrow(/WEBAUTHN_ORIGINS must list at least one origin/);
  });
});
