import { readFileSync } from 'node:fs';

/** Name and version from package.json (src/config and dist/config are both two levels below it). */
export const PACKAGE_INFO = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
) as { name: string; version: string; license: string };
