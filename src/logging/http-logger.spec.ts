import { Writable } from 'node:stream';
import { createRootLogger, routeOf, scrubSecrets } from './http-logger.js';
import { StartupError } from '../config/startup-error.js';

const BCRYPT = '$2b$12$' + 'a'.repeat(22) + 'B'.repeat(31);
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI2NTY0In0.c2lnbmF0dXJlLXZhbHVl';
const DATA_URI = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4';

describe('scrubSecrets', () => {
  it('cuts bcrypt hashes, JWTs and data URI bytes out of a text, and leaves the rest', () => {
    const text = `E11000 dup key { passwordHash: "${BCRYPT}" } token ${JWT} pic ${DATA_URI} end`;
    const scrubbed = scrubSecrets(text);
    expect(scrubbed).toBe(
      'E11000 dup key { passwordHash: "[redacted bcrypt hash]" } token [redacted token] pic data:image/png;base64,[redacted] end',
    );
  });
});

describe('the root logger', () => {
  function capture() {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    return { lines, stream };
  }

  it('scrubs messages, error stacks and redacted keys before anything is written', () => {
    const { lines, stream } = capture();
    const logger = createRootLogger(
      { logLevels: ['fatal', 'error', 'warn', 'log'], logFormat: 'json' },
      stream,
    );
    logger.info({
      msg: `with ${JWT}`,
      user: { password: 'hunter2-secret', headers: { Authorization: 'Bearer x' } },
    });
    logger.error({ context: 'Exceptions' }, `Error: bad value ${BCRYPT}\n    at x (y.js:1:1)`);
    logger.warn({ err: new Error(`cast failed for ${DATA_URI}`) }, 'failed');
    const output = lines.join('');
    expect(lines).toHaveLength(3);
    for (const secret of [JWT, BCRYPT, 'iVBORw0KGgo', 'hunter2-secret', 'Bearer x'])
      expect(output).not.toContain(secret);
    expect(output).toContain('[redacted token]');
    expect(output).toContain('[redacted bcrypt hash]');
    expect(output).toContain('data:image/png;base64,[redacted]');
  });

  it('logs a StartupError as its message alone, with no stack, and any other error with its stack', () => {
    const { lines, stream } = capture();
    const logger = createRootLogger(
      { logLevels: ['fatal', 'error', 'warn', 'log'], logFormat: 'json' },
      stream,
    );
    // As nestjs-pino hands Nest's ExceptionHandler line to pino.
    logger.error({ context: 'ExceptionHandler', err: new StartupError('Cannot connect to MONGODB_URI') });
    logger.error({ context: 'ExceptionHandler', err: new Error('a bug') });
    const [startup, bug] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(startup).toMatchObject({
      level: 50,
      context: 'ExceptionHandler',
      msg: 'Cannot connect to MONGODB_URI',
    });
    expect(startup).not.toHaveProperty('err');
    expect(bug.err).toMatchObject({ message: 'a bug', stack: expect.stringMatching(/\n\s+at /) });
  });
});

describe('routeOf', () => {
  const req = (url: string, route?: { path: string }) =>
    ({ url, originalUrl: url, route, baseUrl: '' }) as never;

  it('gives the template of a matched route, whatever the ids', () => {
    expect(
      routeOf(req('/api/messages/6564abcdef0123456789abcd?limit=5', { path: '/api/messages/:id' })),
    ).toBe('/api/messages/:id');
  });

  it('logs an unmatched path without its query and without any segment that may be a token', () => {
    const token = 'n-RlKLFtW0vgQk3xT9sYw2mZbHc7dPqLr8eUaVj1gMA';
    expect(routeOf(req(`/reset/${token}?x=1`))).toBe('/reset/:redacted');
    expect(routeOf(req('/api/nope/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig'))).toBe('/api/nope/:redacted');
    expect(routeOf(req('/media/6564abcdef0123456789abcd.png'))).toBe('/media/6564abcdef0123456789abcd.png');
    expect(routeOf(req('/settings/profile'))).toBe('/settings/profile');
    expect(routeOf(req('/api*path', { path: '*path' }))).toBe('/api*path');
  });
});
