import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export interface ComposeService {
  image?: string;
  build?: string | { context: string };
  command?: string[];
  environment?: Record<string, string | number | boolean | null>;
  healthcheck?: { test: string[] | string };
  depends_on?: Record<string, { condition: string }>;
  ports?: string[];
  volumes?: string[];
  stop_grace_period?: string;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  [key: string]: unknown;
}

export function readCompose(path = 'compose.yaml'): ComposeFile {
  return parse(readFileSync(path, 'utf8')) as ComposeFile;
}

/**
 * Compose's interpolation of one value from the operator's variables (shell or .env): `$VAR`,
 * `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}` and `$$`. A missing
 * required variable throws with its message, as `docker compose` refuses to start.
 */
export function interpolate(value: string, variables: Record<string, string | undefined>): string {
  return value.replace(
    /\$\$|\$\{(\w+)(?:(:?[-?])([^}]*))?\}|\$(\w+)/g,
    (match, braced?: string, operator?: string, operand?: string, bare?: string) => {
      if (match === '$$') return '$';
      const name = (braced ?? bare)!;
      const current = variables[name];
      const missing = operator?.startsWith(':') ? !current : current === undefined;
      if (!missing) return current!;
      if (operator?.endsWith('-')) return operand!;
      if (operator?.endsWith('?'))
        throw new Error(`required variable ${name} is missing a value: ${operand}`);
      return '';
    },
  );
}

/** A service's environment as the container gets it, every value interpolated. */
export function containerEnvironment(
  service: ComposeService,
  variables: Record<string, string | undefined>,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([name, value]) => [
      name,
      interpolate(String(value ?? ''), variables),
    ]),
  );
}
