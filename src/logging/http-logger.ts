import type { LogLevel } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type DestinationStream, type Level, type Logger, type LoggerOptions, pino } from 'pino';
import type { AuthContext } from '../common/auth-context.js';
import { clientIp } from '../common/http/client-info.js';
import type { AppConfig } from '../config/app-config.js';
import { assignRequestId } from '../common/http/request-id.js';
import { StartupError } from '../config/startup-error.js';

/** Probes call these every few seconds: their lines are kept for LOG_LEVEL=debug. */
const QUIET_ROUTES = ['/api/health', '/api/metrics'];

/**
 * Keys whose values never reach a log line, wherever they sit in a logged object (one level deep, or
 * two). The access line logs no headers or bodies at all; this guards what code logs by hand.
 */
const REDACTED_KEYS = [
  'password',
  'currentPassword',
  'newPassword',
  'passwordHash',
  'token',
  'access_token',
  'authorization',
  'Authorization',
  'cookie',
  'Cookie',
  'set-cookie',
  'jwt',
  'profilePic',
  'image',
];

/**
 * Secrets with a recognisable shape, cut out of every logged text (messages, error stacks): an error's
 * message can quote a value it was given, and no key-based redaction sees inside a string.
 */
const SECRET_SHAPES: Array<[RegExp, string]> = [
  [/\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}/g, '[redacted bcrypt hash]'],
  [/\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]{4,}/g, '[redacted token]'],
  [/(data:[\w/+.-]+;base64,)[A-Za-z0-9+/=]+/g, '$1[redacted]'],
];

export function scrubSecrets(text: string): string {
  return SECRET_SHAPES.reduce((scrubbed, [shape, replacement]) => scrubbed.replace(shape, replacement), text);
}

const scrubbed = (value: unknown) => (typeof value === 'string' ? scrubSecrets(value) : value);

/**
 * Nest's own start-up lines: one per module initialised, per controller and route mapped, per socket
 * message subscribed (some 70). At `log` they would bury the summary main.ts prints, so they are
 * logged at `debug`; their warnings and errors keep their level.
 */
const FRAMEWORK_STARTUP_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'WebSocketsController',
  'NestApplication',
]);

function isFrameworkStartupLine([first]: unknown[]): boolean {
  const context =
    typeof first === 'object' && first !== null ? (first as { context?: unknown }).context : undefined;
  return typeof context === 'string' && FRAMEWORK_STARTUP_CONTEXTS.has(context);
}

const NEST_TO_PINO: Record<LogLevel, Level> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

/** Loggers on stdout by level and format: the boot logger and the app's are one (one pretty worker). */
const stdoutLoggers = new Map<string, Logger>();

/** The process's pino logger: JSON lines on stdout, or pino-pretty's lines for people. */
export function createRootLogger(
  settings: Pick<AppConfig['app'], 'logLevels' | 'logFormat'>,
  destination?: DestinationStream,
): Logger {
  if (destination) return buildLogger(settings, destination);
  const key = `${settings.logLevels.at(-1)}:${settings.logFormat}`;
  let logger = stdoutLoggers.get(key);
  if (!logger) stdoutLoggers.set(key, (logger = buildLogger(settings)));
  return logger;
}

function buildLogger(
  { logLevels, logFormat }: Pick<AppConfig['app'], 'logLevels' | 'logFormat'>,
  destination?: DestinationStream,
): Logger {
  const lowest = logLevels.at(-1) ?? 'log';
  const options: LoggerOptions = {
    level: NEST_TO_PINO[lowest],
    timestamp: pino.stdTimeFunctions.isoTime,
    hooks: {
      logMethod(args, method, level) {
        // Logged again at debug, through this hook (which then scrubs it), or dropped below that level.
        if (level === pino.levels.values.info && isFrameworkStartupLine(args)) return this.debug(...args);
        method.apply(this, scrubLogArguments(startupErrorAsText(args)) as Parameters<typeof method>);
      },
    },
    serializers: {
      err: (error: Error) => {
        const serialized = pino.stdSerializers.err(error);
        return {
          ...serialized,
          message: scrubSecrets(serialized.message),
          stack: scrubSecrets(serialized.stack),
        };
      },
    },
    redact: {
      paths: REDACTED_KEYS.flatMap((key) => [`["${key}"]`, `*["${key}"]`, `*.*["${key}"]`]),
      censor: '[redacted]',
    },
    ...(logFormat === 'pretty'
      ? {
          transport: {
            target: 'pino-pretty',
            options: {
              translateTime: 'SYS:HH:MM:ss.l',
              // The access line's message already says these.
              ignore: 'pid,hostname,method,route,status,durationMs',
              singleLine: true,
            },
          },
        }
      : {}),
  };
  return destination ? pino(options, destination) : pino(options);
}

/** A StartupError (Nest logs what start-up throws as `{ err }`) is logged as its message alone. */
function startupErrorAsText(args: unknown[]): unknown[] {
  const [first, ...rest] = args;
  if (
    typeof first !== 'object' ||
    first === null ||
    !('err' in first) ||
    !(first.err instanceof StartupError)
  ) {
    return args;
  }
  const { err, ...bindings } = first;
  return [bindings, err.message, ...rest];
}

/** The strings of a log call (its message, its format arguments, an object's `msg`), scrubbed. */
function scrubLogArguments([first, ...rest]: unknown[]): unknown[] {
  const isObject = typeof first === 'object' && first !== null && !(first instanceof Error);
  const head = isObject && 'msg' in first ? { ...first, msg: scrubbed(first.msg) } : scrubbed(first);
  return [head, ...rest.map(scrubbed)];
}

/** The request id (pino-http's name for it). */
type LoggedRequest = Request & { id?: string };

/**
 * One line per request when its response is finished (or its connection closed), with the request id
 * that `X-Request-Id` carries both ways. Only chosen fields are logged: never headers, query strings or
 * bodies, where cookies, tokens and passwords travel.
 *
 * What pino-http did, without its per-request cost: it serialized every request (headers included)
 * into a second child logger and redacted it, for a logger nothing used. The access line is redacted
 * by construction (a fixed set of scalar fields; its message still goes through the scrubbing hook),
 * so it is written by a child without the key redaction. Other lines go through the root logger
 * (redaction included); a line about a request names its id itself (`app-logger.ts`).
 */
export function createHttpLogger(root: Logger): HttpLogger {
  const access = root.child({}, { redact: [] });
  const finishObservers: FinishObserver[] = [];
  const middleware = (req: Request, res: Response, next: () => void) => {
    const request = req as LoggedRequest;
    const started = process.hrtime.bigint();
    const requestId = (request.id ||= assignRequestId(req, res));
    let logged = false;
    const onEnd = (error?: Error) => {
      if (logged) return;
      logged = true;
      const nanoseconds = process.hrtime.bigint() - started;
      logAccess(access, request, res, requestId, Number(nanoseconds / 1_000_000n), error);
      // Node emits `close` on a response once it has finished too (with writableFinished set),
      // or when its connection went first: one listener tells both apart.
      if (error !== undefined || !res.writableFinished) return;
      for (const observe of finishObservers) observe(req, res, Number(nanoseconds) / 1e9);
    };
    res.on('close', onEnd);
    res.on('error', onEnd);
    next();
  };
  return Object.assign(middleware, {
    onFinish: (observer: FinishObserver) => void finishObservers.push(observer),
  });
}

/** Told when a response has finished (not when its connection closed first), with its duration. */
export type FinishObserver = (req: Request, res: Response, seconds: number) => void;

/**
 * The first middleware of every request. Other per-request work that only waits for the response to
 * finish (the HTTP metrics) registers here rather than as a middleware and listener of its own.
 */
export type HttpLogger = ((req: Request, res: Response, next: () => void) => void) & {
  onFinish(observer: FinishObserver): void;
};

function logAccess(
  access: Logger,
  req: LoggedRequest,
  res: Response,
  requestId: string,
  durationMs: number,
  error: Error | undefined,
): void {
  // As pino-http decided: a 5xx or an error event is logged at error level as `failed`.
  const failed = error !== undefined || res.statusCode >= 500;
  let level: Level = 'info';
  if (failed) level = 'error';
  else if (QUIET_ROUTES.includes(pathOf(req))) level = 'debug';
  if (!access.isLevelEnabled(level)) return;
  const route = routeOf(req);
  const message = `${req.method} ${route} ${res.statusCode} ${failed ? 'failed' : `${durationMs}ms`}`;
  access[level](accessLine(req, res, requestId, route, durationMs), message);
}

function accessLine(req: Request, res: ServerResponse, requestId: string, route: string, durationMs: number) {
  const auth = req.user as AuthContext | undefined;
  return {
    requestId,
    method: req.method,
    route,
    status: res.statusCode,
    durationMs,
    userId: auth?.user?._id?.toHexString(),
    ip: clientIp(req, req.ip),
    // A finished response has no `close` before `finish`: a client that went away is worth knowing.
    ...(res.writableFinished ? {} : { aborted: true }),
  };
}

/**
 * A path segment that may be a credential: long and opaque (base64url, hex, percent-encoded), or a
 * JWT. An app's own page URL can carry a token (PASSWORD_RESET_URL=https://.../reset/{token}, served
 * from FRONTEND_DIR), and a client can put one anywhere.
 */
const OPAQUE_SEGMENT = /^(?:[\w%-]{16,}|eyJ[\w-]*\.[\w-]+\.[\w-]+)$/;

/**
 * The route template (`/api/messages/:id`); when no route matched, the path without its query and
 * with every opaque segment replaced by `:redacted`.
 */
export function routeOf(req: IncomingMessage): string {
  return (
    routeTemplateOf(req) ??
    pathOf(req)
      .split('/')
      .map((segment) => (OPAQUE_SEGMENT.test(segment) ? ':redacted' : segment))
      .join('/')
  );
}

/**
 * Nest answers unknown paths under the global prefix from a catch-all route of its own
 * (platform-express setNotFoundHandler); our controllers have no wildcard routes.
 */
const NOT_FOUND_ROUTE = '*path';

/** The template of the route that handled the request; undefined when none did (404, static files, refused bodies). */
export function routeTemplateOf(req: IncomingMessage): string | undefined {
  const request = req as Request;
  const template = request.route?.path as string | undefined;
  if (!template || template === NOT_FOUND_ROUTE) return undefined;
  return `${request.baseUrl ?? ''}${template}`;
}

function pathOf(req: IncomingMessage): string {
  const url = (req as Request).originalUrl ?? req.url ?? '';
  const end = url.indexOf('?');
  return end === -1 ? url : url.slice(0, end);
}
