import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SwaggerModule } from '@nestjs/swagger';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SRC = `${ROOT}src`;
/** Git-ignored. Its imports are relative to src, so it has to live there. */
export const METADATA_FILE = `${SRC}/metadata.ts`;

/**
 * Writes src/metadata.ts: what the @nestjs/swagger CLI plugin (nest-cli.json) adds to DTOs and
 * controllers at `nest build`, which Vitest never runs. Takes about 2.5 s, mostly TypeScript.
 */
export async function generateSwaggerPluginMetadata(): Promise<void> {
  // Imported here so that test workers, which only read the file, never load TypeScript.
  const { PluginMetadataGenerator } =
    await import('@nestjs/cli/lib/compiler/plugins/plugin-metadata-generator.js');
  const { ReadonlyVisitor } = await import('@nestjs/swagger/plugin');
  new PluginMetadataGenerator().generate({
    visitors: [
      new ReadonlyVisitor({
        classValidatorShim: true,
        introspectComments: true,
        pathToSource: SRC,
      }),
    ],
    outputDir: SRC,
    // Our own program instead of `tsconfigPath`: the CLI's would print a spinner, type-check
    // the whole project and throw on any type error, none of which the tests should do.
    tsProgramRef: ReadonlyVisitor.createTsProgram(`${ROOT}tsconfig.build.json`),
  });
}

let loading: Promise<void> | undefined;

/**
 * Attaches the plugin metadata to the DTO and controller classes, once per module graph: with
 * Vitest's isolation every test file gets fresh classes, so a process-wide flag would be wrong.
 */
export async function loadSwaggerPluginMetadata(): Promise<void> {
  loading ??= (async () => {
    // Normally written by test/support/app/global-setup.ts for the whole run.
    if (!existsSync(METADATA_FILE)) await generateSwaggerPluginMetadata();
    const { default: metadata } = (await import(METADATA_FILE)) as {
      default: Parameters<typeof SwaggerModule.loadPluginMetadata>[0];
    };
    await SwaggerModule.loadPluginMetadata(metadata);
  })();
  return loading;
}
