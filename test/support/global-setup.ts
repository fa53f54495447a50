import { rm } from 'node:fs/promises';
import type { TestProject } from 'vitest/node';
import {
  generateSwaggerPluginMetadata,
  METADATA_FILE,
} from './swagger-metadata.js';

/** e2e only: writes src/metadata.ts once per run (and on every watch-mode rerun). */
export default async function setup(project: TestProject) {
  await generateSwaggerPluginMetadata();
  project.onTestsRerun(generateSwaggerPluginMetadata);
  // Removed afterwards: a stale copy that imports a since-deleted DTO would break `nest build`.
  return () => rm(METADATA_FILE, { force: true });
}
