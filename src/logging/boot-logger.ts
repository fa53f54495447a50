import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import type { LogLevel } from '@nestjs/common';
import type { Logger } from 'nestjs-pino';
import { LOG_FORMATS, LOG_LEVELS } from '../config/environment.js';
import { createAppLogger } from './app-logger.js';
import { createRootLogger } from './http-logger.js';

/**
 * Nest's logger from the first line on, before the configuration is validated: a bad setting, an
 * unreachable database or a port in use is then reported in the same format (JSON in production) as
 * everything after. Only LOG_LEVEL, LOG_FORMAT and NODE_ENV are read, from the environment or `.env`;
 * an invalid value falls back to its default here, and the configuration check reports it.
 */
export function createBootLogger(env: NodeJS.ProcessEnv = process.env): Logger {
  const raw = { ...readDotEnv(), ...env };
  const level = LOG_LEVELS.find((name) => name === raw.LOG_LEVEL?.trim().toLowerCase()) ?? 'log';
  const format =
    LOG_FORMATS.find((name) => name === raw.LOG_FORMAT?.trim().toLowerCase()) ??
    ((raw.NODE_ENV?.trim().toLowerCase() ?? 'development') === 'development' ? 'pretty' : 'json');
  const logLevels: LogLevel[] = LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(level) + 1);
  const root = createRootLogger({ logLevels, logFormat: format });
  return createAppLogger(root);
}

function readDotEnv(): Record<string, string | undefined> {
  return existsSync('.env') ? parseEnv(readFileSync('.env', 'utf8')) : {};
}
