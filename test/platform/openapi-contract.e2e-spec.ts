import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { OpenAPIObject } from '@nestjs/swagger';
import { lintFromString, loadConfig } from '@redocly/openapi-core';
import request from 'supertest';
import { parse } from 'yaml';
import { enforceContract, OpenApiContract, takeContractViolations } from '../support/app/openapi-contract.js';
import { createTestApp } from '../support/app/test-app.js';

const REDOCLY_CONFIG = fileURLToPath(new URL('../../redocly.yaml', import.meta.url));
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

type Example = { value: { statusCode: number; message: string } };
type Operation = {
  operationId: string;
  tags?: string[];
  security?: unknown[];
  responses: Record<
    string,
    { content?: Record<string, { example?: Example['value']; examples?: Record<string, Example> }> }
  >;
};

describe('OpenAPI document (e2e)', () => {
  let app: NestExpressApplication;
  let document: OpenAPIObject;

  const operations = () =>
    Object.entries(document.paths).flatMap(([path, item]) =>
      METHODS.filter((method) => item[method]).map((method) => ({
        where: `${method.toUpperCase()} ${path}`,
        op: item[method] as unknown as Operation,
      })),
    );

  beforeAll(async () => {
    app = await createTestApp();
    document = (await request(app.getHttpServer()).get('/api/docs-json').expect(200)).body;
  });
  afterAll(async () => {
    await app.close();
  });

  it('passes Redocly recommended rules (redocly.yaml) with no error and no warning', async () => {
    const config = await loadConfig({ configPath: REDOCLY_CONFIG });
    // The recommended rules as they are: redocly.yaml turns none off and relaxes none.
    expect(parse(readFileSync(REDOCLY_CONFIG, 'utf8'))).toEqual({ extends: ['recommended'] });
    const problems = await lintFromString({
      source: JSON.stringify(document),
      absoluteRef: 'openapi.json',
      config,
    });
    const report = problems.map(
      (problem) =>
        `${problem.severity} ${problem.ruleId}: ${problem.message} at ${problem.location[0]?.pointer ?? '?'}`,
    );
    expect(report).toEqual([]);
  });

  it('names operations by their controller method, readably and uniquely', () => {
    const ids = operations().map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z][A-Za-z]*$/);
    expect(ids).toEqual(
      expect.arrayContaining([
        'signup',
        'login',
        'token',
        'logout',
        'checkAuth',
        'listSessions',
        'checkHealth',
        'apiIndex',
      ]),
    );
  });

  it('gives every operation a success: a 2XX response', () => {
    for (const { where, op } of operations()) {
      expect(
        Object.keys(op.responses).some((status) => status.startsWith('2')),
        where,
      ).toBe(true);
    }
  });

  it('describes every tag it uses', () => {
    const declared = new Map((document.tags ?? []).map((tag) => [tag.name, tag.description]));
    for (const { where, op } of operations()) {
      expect(op.tags?.length, where).toBeGreaterThan(0);
      for (const tag of op.tags!) expect(declared.get(tag), `${where}: tag ${tag}`).toBeTruthy();
    }
  });

  it('offers only the sign-ins Swagger UI can use, the password flow on the token route', () => {
    expect(document.components?.securitySchemes).toEqual({
      oauth2: expect.objectContaining({
        type: 'oauth2',
        flows: { password: { tokenUrl: '/api/auth/token', scopes: {} } },
      }),
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    });
    const check = document.paths['/api/auth/check'].get as unknown as Operation;
    expect(check.security).toEqual([{ oauth2: [] }, { bearer: [] }]);
    const token = document.paths['/api/auth/token'].post as unknown as Operation;
    expect(token.security).toEqual([]);
    for (const { where, op } of operations()) {
      expect([[], [{ oauth2: [] }, { bearer: [] }]], where).toContainEqual(op.security);
    }
  });

  it('gives every error status an example of the one error body with that status', () => {
    for (const { where, op } of operations()) {
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400) continue;
        const media = response.content?.['application/json'];
        const examples = media?.example
          ? [media.example]
          : Object.values(media?.examples ?? {}).map((example) => example.value);
        expect(examples.length, `${where} ${status}`).toBeGreaterThan(0);
        for (const example of examples) {
          expect(example.statusCode, `${where} ${status}`).toBe(Number(status));
          expect(typeof example.message).toBe('string');
        }
      }
    }
  });

  it('documents the 403 of every write (the CSRF check of cookie-carrying requests)', () => {
    for (const { where, op } of operations()) {
      if (where.startsWith('GET')) continue;
      expect(op.responses['403'], where).toBeDefined();
    }
  });
});

describe('OpenAPI response contract of the e2e harness', () => {
  let contract: OpenApiContract;
  let served: OpenAPIObject;
  let app: NestExpressApplication;
  const json = (value: unknown) => Buffer.from(JSON.stringify(value));
  const error = (statusCode: number, message = 'x', name = 'Not Found') =>
    json({ statusCode, message, error: name, requestId: 'r-1' });
  const base = { contentType: 'application/json; charset=utf-8' };

  beforeAll(async () => {
    app = await createTestApp();
    served = (await request(app.getHttpServer()).get('/api/docs-json')).body as OpenAPIObject;
    contract = new OpenApiContract(served);
  });
  afterAll(async () => {
    await app.close();
  });

  it('accepts a documented status whose body matches its schema', () => {
    expect(
      contract.check({
        ...base,
        method: 'POST',
        url: '/api/auth/logout',
        status: 200,
        body: json({ message: 'Logged out successfully' }),
      }),
    ).toBeUndefined();
  });

  it('refuses an undocumented status, naming the request and the documented ones', () => {
    const problem = contract.check({
      ...base,
      method: 'GET',
      url: '/api/auth/check?x=1',
      status: 418,
      body: error(418),
    });
    expect(problem).toMatch(
      /^GET \/api\/auth\/check\?x=1 answered 418 .*status 418 is not documented for get \/api\/auth\/check \(documented: 200, /,
    );
  });

  it('refuses a field the schema does not list, and a missing one', () => {
    const extra = contract.check({
      ...base,
      method: 'POST',
      url: '/api/auth/logout',
      status: 200,
      body: json({ message: 'Logged out successfully', token: 'leak' }),
    });
    expect(extra).toMatch(/must NOT have additional properties \(token\)/);
    const missing = contract.check({
      ...base,
      method: 'GET',
      url: '/api/auth/check',
      status: 401,
      body: json({ message: 'x' }),
    });
    expect(missing).toMatch(/must have required property 'statusCode'/);
  });

  it('refuses a body where the document has none, and a Content-Type it does not list', () => {
    const path = '/api/auth/sessions/6650f0c2a1b2c3d4e5f60719';
    expect(contract.check({ ...base, method: 'DELETE', url: path, status: 204, body: json({}) })).toMatch(
      /documented without a body/,
    );
    expect(
      contract.check({
        method: 'POST',
        url: '/api/auth/logout',
        status: 200,
        contentType: 'text/html',
        body: Buffer.from('<p>'),
      }),
    ).toMatch(/Content-Type is not one documented/);
  });

  it('lets unknown routes answer only the JSON 404, or the body parser refusing the body first', () => {
    expect(
      contract.check({ ...base, method: 'GET', url: '/api/nope', status: 404, body: error(404) }),
    ).toBeUndefined();
    expect(
      contract.check({ ...base, method: 'PUT', url: '/api', status: 415, body: error(415) }),
    ).toBeUndefined();
    expect(
      contract.check({ ...base, method: 'HEAD', url: '/api/nope', status: 404, body: Buffer.alloc(0) }),
    ).toBeUndefined();
    expect(
      contract.check({ ...base, method: 'PATCH', url: '/api/auth/check', status: 200, body: json({}) }),
    ).toMatch(/no documented operation/);
    expect(
      contract.check({ ...base, method: 'GET', url: '/api/nope', status: 404, body: json({ message: 'x' }) }),
    ).toMatch(/required property 'statusCode'/);
  });

  it('checks Swagger UI assets and media files by status and content type only', () => {
    const png = { method: 'GET', url: '/media/a/b.png', contentType: 'image/png', body: Buffer.from([0x89]) };
    expect(contract.check({ ...png, status: 200 })).toBeUndefined();
    expect(contract.check({ ...png, status: 500 })).toMatch(/server error/);
    expect(
      contract.check({
        method: 'GET',
        url: '/api/docs/swagger-ui.css',
        status: 200,
        contentType: 'text/css',
        body: Buffer.from('a{}'),
      }),
    ).toBeUndefined();
  });

  it('checks the FRONTEND_DIR app (GET outside /api) by status and content type only', () => {
    const page = { method: 'GET', url: '/settings/profile', contentType: 'text/html; charset=utf-8' };
    expect(contract.check({ ...page, status: 200, body: Buffer.from('<!doctype html>') })).toBeUndefined();
    expect(
      contract.check({ ...page, url: '/assets/index-abc.js', status: 200, body: Buffer.from('1') }),
    ).toBeUndefined();
    expect(
      contract.check({ ...base, method: 'GET', url: '/x.js', status: 404, body: error(404) }),
    ).toBeUndefined();
    expect(contract.check({ ...page, status: 404, body: Buffer.from('<p>Not found</p>') })).toMatch(
      /not JSON in the error schema/,
    );
    expect(contract.check({ ...page, status: 503, body: Buffer.from('<p>') })).toMatch(/server error/);
    // The app serves GET and HEAD only: other methods outside /api are unknown routes.
    expect(contract.check({ ...page, method: 'POST', status: 200, body: Buffer.from('<p>') })).toMatch(
      /no documented operation/,
    );
  });

  it('checks the Socket.IO transport by status only (its errors are its own JSON)', () => {
    const polling = { ...base, method: 'GET', url: '/socket.io/?EIO=4&transport=polling' };
    expect(
      contract.check({ ...polling, status: 400, body: json({ code: 0, message: 'Transport unknown' }) }),
    ).toBeUndefined();
    expect(
      contract.check({ ...polling, method: 'POST', status: 200, body: Buffer.from('ok') }),
    ).toBeUndefined();
    expect(contract.check({ ...polling, status: 500, body: Buffer.alloc(0) })).toMatch(/server error/);
  });

  it('records what a server answers as a violation, through the hook createTestApp installs', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"message":');
      res.end('"Logged out successfully","extra":true}');
    });
    enforceContract(server, served);
    await request(server).post('/api/auth/logout').expect(200);
    // Taken here, so the per-test check of contract-setup.ts does not fail this test for it.
    expect(takeContractViolations()).toEqual([
      expect.stringMatching(/^POST \/api\/auth\/logout answered 200 .*\(extra\)/),
    ]);
    expect(takeContractViolations()).toEqual([]);
  });
});
