import { rm } from 'node:fs/promises';
import type { TestProject } from 'vitest/node';
import { findTestRedis } from '../db/redis.js';
import { generateSwaggerPluginMetadata, METADATA_FILE } from './swagger-metadata.js';

/** e2e only: writes src/metadata.ts once per run (and on every watch-mode rerun); finds the Redis. */
export default async function setup(project: TestProject) {
  await generateSwaggerPluginMetadata();
  project.onTestsRerun(generateSwaggerPluginMetadata);
  const redisUrl = await findTestRedis();
  if (!redisUrl) {
    console.log(
      'Skipping the multi-instance tests: REDIS_URL is unset and no Redis answers at 127.0.0.1:6379.',
    );
  }
  project.provide('redisUrl', redisUrl ?? '');
  // Removed afterwards: a stale copy that imports a since-deleted DTO would break `nest build`.
  return () => rm(METADATA_FILE, { force: true });
}
