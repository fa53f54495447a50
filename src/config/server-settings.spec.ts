import { loadAppConfig } from './app-config.js';

const base = { NODE_ENV: 'test' };

describe('HTTP server and shutdown settings', () => {
  it('defaults to bounded timeouts and a 10 s shutdown grace', () => {
    expect(loadAppConfig(base).server).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 60_000,
      keepAliveTimeoutMs: 5_000,
      minBodyBytesPerSecond: 1024,
      minBodyRateGraceMs: 5_000,
      shutdownGraceMs: 10_000,
    });
  });

  it('reads each variable', () => {
    const server = loadAppConfig({
      ...base,
      HTTP_HEADERS_TIMEOUT_MS: '2000',
      HTTP_REQUEST_TIMEOUT_MS: '3000',
      HTTP_KEEP_ALIVE_TIMEOUT_MS: '65000',
      HTTP_MIN_BODY_BYTES_PER_SECOND: '0',
      HTTP_MIN_BODY_RATE_GRACE_MS: '2000',
      SHUTDOWN_GRACE_MS: '0',
    }).server;
    expect(server).toEqual({
      headersTimeoutMs: 2000,
      requestTimeoutMs: 3000,
      keepAliveTimeoutMs: 65_000,
      minBodyBytesPerSecond: 0,
      minBodyRateGraceMs: 2000,
      shutdownGraceMs: 0,
    });
  });

  it.each([
    [
      { HTTP_HEADERS_TIMEOUT_MS: '20000', HTTP_REQUEST_TIMEOUT_MS: '10000' },
      /must not be greater than HTTP_REQUEST_TIMEOUT_MS/,
    ],
    [{ HTTP_HEADERS_TIMEOUT_MS: '0' }, /HTTP_HEADERS_TIMEOUT_MS must not be less than 100/],
    [{ HTTP_KEEP_ALIVE_TIMEOUT_MS: 'soon' }, /HTTP_KEEP_ALIVE_TIMEOUT_MS must be an integer/],
    [{ SHUTDOWN_GRACE_MS: '-1' }, /SHUTDOWN_GRACE_MS must not be less than 0/],
    [{ HTTP_MIN_BODY_RATE_GRACE_MS: '10' }, /HTTP_MIN_BODY_RATE_GRACE_MS must not be less than 1000/],
  ])('refuses %o', (env, message) => {
    expect(() => loadAppConfig({ ...base, ...env })).toThrow(message);
  });
});
