import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { API_PREFIX } from './common/http/api-paths.js';
import { createOpenApiDocument } from './api-docs/swagger.js';

/**
 * `npm run openapi [file]`: writes the OpenAPI document (default openapi.json) for client generators.
 * A preview app resolves the modules without creating any provider: no database, no listening socket.
 */
async function writeOpenApiDocument(file: string): Promise<void> {
  // The document does not depend on configuration: development defaults, whatever NODE_ENV says.
  const options = { ignoreEnvFile: true, env: { NODE_ENV: 'development' } };
  const app = await NestFactory.create(AppModule.forRoot(options), {
    preview: true,
    logger: ['error'],
  });
  app.setGlobalPrefix(API_PREFIX);
  const document = createOpenApiDocument(app);
  await writeFile(file, `${JSON.stringify(document, null, 2)}\n`);
  await app.close();
  console.log(`OpenAPI document written to ${file}`);
}

await writeOpenApiDocument(resolve(process.argv[2] ?? 'openapi.json'));
