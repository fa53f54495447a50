import type { IncomingHttpHeaders } from 'node:http';
import { isCrossOriginRequestAllowed } from './cross-origin-protection.js';

const trustedOrigins = new Set(['https://chat.example']);
const allowed = (headers: IncomingHttpHeaders, trustForwardedHeaders = false) =>
  isCrossOriginRequestAllowed(headers, { trustedOrigins, trustForwardedHeaders });

describe('isCrossOriginRequestAllowed (Go 1.25 CrossOriginProtection)', () => {
  it.each<[string, IncomingHttpHeaders, boolean]>([
    [
      'same-origin, whatever Origin and Host say',
      { 'sec-fetch-site': 'same-origin', origin: 'https://a.example', host: 'b' },
      true,
    ],
    ['none (user-initiated)', { 'sec-fetch-site': 'none' }, true],
    [
      'cross-site from a trusted Origin',
      { 'sec-fetch-site': 'cross-site', origin: 'https://chat.example' },
      true,
    ],
    [
      'same-site from a trusted Origin',
      { 'sec-fetch-site': 'same-site', origin: 'https://chat.example' },
      true,
    ],
    [
      'cross-site from an untrusted Origin',
      { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
      false,
    ],
    [
      'same-site from an untrusted Origin',
      { 'sec-fetch-site': 'same-site', origin: 'https://blog.chat.example' },
      false,
    ],
    ['cross-site with no Origin', { 'sec-fetch-site': 'cross-site' }, false],
    [
      'cross-site even when Origin matches Host',
      { 'sec-fetch-site': 'cross-site', origin: 'http://api.example', host: 'api.example' },
      false,
    ],
    [
      'an unknown Sec-Fetch-Site value',
      { 'sec-fetch-site': 'weird', origin: 'http://api.example', host: 'api.example' },
      false,
    ],
    ['neither header (not a browser)', { host: 'api.example' }, true],
    ['an empty Sec-Fetch-Site and Origin (as absent)', { 'sec-fetch-site': '', origin: '' }, true],
    [
      'no Sec-Fetch-Site, Origin host = Host',
      { origin: 'http://api.example:8080', host: 'api.example:8080' },
      true,
    ],
    [
      'no Sec-Fetch-Site, Origin host = Host in another case',
      { origin: 'http://api.example', host: 'API.example' },
      true,
    ],
    [
      'no Sec-Fetch-Site, Origin port differs',
      { origin: 'http://api.example:8080', host: 'api.example' },
      false,
    ],
    [
      'no Sec-Fetch-Site, trusted Origin on another host',
      { origin: 'https://chat.example', host: 'api.example' },
      true,
    ],
    ['no Sec-Fetch-Site, foreign Origin', { origin: 'https://evil.example', host: 'api.example' }, false],
    ['no Sec-Fetch-Site, opaque Origin', { origin: 'null', host: 'api.example' }, false],
    ['no Sec-Fetch-Site, no Host', { origin: 'http://api.example' }, false],
  ])('%s → %s', (_name, headers, expected) => {
    expect(allowed(headers)).toBe(expected);
  });

  describe('X-Forwarded-Host and X-Forwarded-Proto (no Sec-Fetch-Site)', () => {
    const proxied = {
      origin: 'https://chat.example.org',
      host: '127.0.0.1:3000',
      'x-forwarded-host': 'chat.example.org',
      'x-forwarded-proto': 'https',
    };

    it('are honoured only from a trusted proxy', () => {
      expect(allowed(proxied, true)).toBe(true);
      expect(allowed(proxied, false)).toBe(false);
    });

    it('take the first value of a proxy chain', () => {
      expect(allowed({ ...proxied, 'x-forwarded-host': 'chat.example.org, 10.0.0.2' }, true)).toBe(true);
      expect(allowed({ ...proxied, 'x-forwarded-proto': 'https, http' }, true)).toBe(true);
    });

    it('refuse an Origin whose scheme differs from the forwarded one', () => {
      expect(allowed({ ...proxied, origin: 'http://chat.example.org' }, true)).toBe(false);
    });

    it('fall back to Host when only the scheme is forwarded', () => {
      const { 'x-forwarded-host': _, ...onlyProto } = proxied;
      expect(allowed({ ...onlyProto, origin: 'https://127.0.0.1:3000' }, true)).toBe(true);
    });
  });
});
