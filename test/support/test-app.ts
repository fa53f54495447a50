import { Test } from '@nestjs/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from '../../src/app.module.js';
import { appOptions, configureApp } from '../../src/app.setup.js';
import { loadSwaggerPluginMetadata } from './swagger-metadata.js';

/** Settings every e2e app starts from; a test passes its own on top. */
export const TEST_ENV: Record<string, string> = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'fatal',
  BCRYPT_COST: '4',
  RATE_LIMIT_AUTH_PER_MINUTE: '0',
  JWT_SECRET: 'test-secret-that-is-long-enough-for-hs256-0123456789',
  PASSWORD_PEPPER: 'test-pepper-that-is-long-enough-0123456789',
};

/**
 * Boots the real AppModule through the same configureApp() as main.ts, on the embedded database.
 * Close an app before creating the next one: Passport keeps strategies in one process-wide registry,
 * so the newest app's session strategy serves them all (production runs one app per process).
 */
export async function createTestApp(env: Record<string, string | undefined> = {}) {
  await loadSwaggerPluginMetadata();
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot({ ignoreEnvFile: true, env: { ...TEST_ENV, ...env } })],
  }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>(appOptions);
  configureApp(app);
  await app.init();
  return app;
}
