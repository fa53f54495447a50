import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InjectionToken, INestApplication } from '@nestjs/common';
import { getConnectionToken } from '@nestjs/mongoose';
import { Test } from '@nestjs/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Connection } from 'mongoose';
import { AppModule } from '../../../src/app.module.js';
import { appOptions, configureApp, createHttpAdapter } from '../../../src/app.setup.js';
import { createOpenApiDocument } from '../../../src/api-docs/swagger.js';
import { enforceContract } from './openapi-contract.js';
import { loadSwaggerPluginMetadata } from './swagger-metadata.js';

/** For tests about the embedded server itself (outage, restart, index enforcement). */
export const EMBEDDED_DB = { MONGODB_URI: '' };

/** Settings every e2e app starts from; a test passes its own on top. */
export const TEST_ENV: Record<string, string> = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'fatal',
  BCRYPT_COST: '4',
  RATE_LIMIT_AUTH_PER_MINUTE: '0',
  JWT_SECRET: 'test-secret-that-is-long-enough-for-hs256-0123456789',
  PASSWORD_PEPPER: 'test-pepper-that-is-long-enough-0123456789',
  // Outbox mail and local pictures of tests stay out of the developer's ./data.
  DATA_DIR: join(tmpdir(), `chat-auth-e2e-${process.pid}`),
  // Single instance even when the shell sets REDIS_URL (CI does, for the multi-instance tests):
  // apps of parallel test files on one Redis and one key prefix would share their rate limits.
  // A test about Redis passes REDIS_URL, with a key prefix of its own.
  REDIS_URL: '',
};

export interface TestAppOptions {
  /** Providers replaced by a value of the test's (a clock the test moves); never our own services. */
  overrides?: Array<{ provide: InjectionToken; useValue: unknown }>;
}

/**
 * Boots the real AppModule through the same configureApp() as main.ts, on the embedded database.
 * Close an app before creating the next one: Passport keeps strategies in one process-wide registry,
 * so the newest app's session strategy serves them all (production runs one app per process).
 */
export async function createTestApp(
  env: Record<string, string | undefined> = {},
  options: TestAppOptions = {},
) {
  await loadSwaggerPluginMetadata();
  const settings = { ...TEST_ENV, MONGODB_URI: ownDatabase(process.env.MONGODB_URI), ...env };
  const builder = Test.createTestingModule({
    imports: [AppModule.forRoot({ ignoreEnvFile: true, env: settings })],
  });
  for (const { provide, useValue } of options.overrides ?? [])
    builder.overrideProvider(provide).useValue(useValue);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>(createHttpAdapter(), appOptions);
  configureApp(app);
  // Every response must be one the OpenAPI document describes (a failing test names the request).
  enforceContract(app.getHttpServer(), createOpenApiDocument(app));
  await app.init();
  return app;
}

/** The app's database connection, to read or arrange what the API does not show. */
export function databaseOf(app: INestApplication): Connection {
  return app.get<Connection>(getConnectionToken());
}

/**
 * Against a real MongoDB (MONGODB_URI set), each app gets a database of its own, as each embedded
 * server is its own: test files run in parallel and some tests count whole collections.
 */
function ownDatabase(uri: string | undefined): string | undefined {
  if (!uri) return undefined;
  const match = /^(mongodb(?:\+srv)?:\/\/([^/?]+))(?:\/([^?]*))?(?:\?(.*))?$/.exec(uri);
  if (!match) return uri;
  const [, base, hosts, path, query] = match;
  const params = new URLSearchParams(query ?? '');
  // The database in the URI is also where credentials are checked, unless authSource says otherwise.
  if (hosts.includes('@') && !params.has('authSource')) params.set('authSource', path || 'admin');
  const search = params.size > 0 ? `?${params.toString()}` : '';
  return `${base}/chat_auth_test_${randomBytes(6).toString('hex')}${search}`;
}
