import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { NestExpressApplication } from '@nestjs/platform-express';
import openapiTS, { astToString } from 'openapi-typescript';
import request from 'supertest';
import { signUp } from '../support/auth.js';
import { createTestApp } from '../support/app/test-app.js';

const CLIENT_DIR = fileURLToPath(new URL('./typed-client/', import.meta.url));
const TSC = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));

describe('A client generated from the OpenAPI document (e2e)', () => {
  let app: NestExpressApplication;
  let baseUrl: string;

  beforeAll(async () => {
    app = await createTestApp();
    await app.listen(0, '127.0.0.1');
    baseUrl = await app.getUrl();
    const document = (await request(app.getHttpServer()).get('/api/docs-json').expect(200)).body;
    // What `npx openapi-typescript openapi.json -o api.d.ts` writes (README: typed client).
    await mkdir(`${CLIENT_DIR}generated`, { recursive: true });
    await writeFile(`${CLIENT_DIR}generated/api.d.ts`, astToString(await openapiTS(document)));
  });
  afterAll(async () => {
    await app.close();
  });

  it('type-checks with tsc (openapi-typescript types used through openapi-fetch)', async () => {
    const run = promisify(execFile)(process.execPath, [TSC, '-p', `${CLIENT_DIR}tsconfig.json`]);
    await expect(
      run.catch((error: { stdout: string }) => Promise.reject(new Error(error.stdout))),
    ).resolves.toBeDefined();
  }, 60_000);

  it('gets a token, checks it, renames the user, lists sessions, logs out and sees the token refused', async () => {
    const { email, password } = await signUp(app);
    const { runSessionFlow } = await import('./typed-client/session-flow.js');
    expect(await runSessionFlow(baseUrl.replace('[::1]', 'localhost'), email, password)).toEqual({
      checkedEmail: email,
      renamedTo: 'Typed Client',
      // The signup's session and the token's; the token's is the current one.
      sessionCount: 2,
      currentSessionCount: 1,
      statusAfterLogout: 401,
      messageAfterLogout: 'Your session is invalid or has expired, please log in again',
    });
  });
});
