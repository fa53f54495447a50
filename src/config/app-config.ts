import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Logger, type LogLevel } from '@nestjs/common';
import {
  ConfigurationError,
  LOG_LEVELS,
  parseEnvironment,
  SECRET_PLACEHOLDER,
  type EnvironmentVariables,
} from './environment.js';
import { parseOrigins } from './origins.js';
import { type PasskeysConfig, passkeysConfig } from './passkeys-config.js';
import { type FederatedConfig, federatedConfig } from './federated-config.js';

export interface AppConfig {
  app: {
    env: 'development' | 'test' | 'production';
    port: number;
    dataDir: string;
    corsOrigins: string[];
    trustProxy: boolean | number | string;
    swaggerEnabled: boolean;
    logLevels: LogLevel[];
    /** `pretty` (coloured lines, for people) or `json` (one object per line, for log shippers). */
    logFormat: 'pretty' | 'json';
    /** A built single-page app served from the API's origin; unset: none. */
    frontendDir?: string;
  };
  database: {
    /** Unset: the embedded MongoDB-compatible server is started. */
    uri?: string;
    /** Whether the embedded server keeps its data under dataDir (everywhere but in tests). */
    persistEmbedded: boolean;
    /** Journal size at which the embedded server writes a new snapshot. */
    embeddedJournalMaxBytes: number;
  };
  auth: {
    jwtSecret: string;
    jwtExpiresInSeconds: number;
    passwordPepper: string;
    cookieSameSite: 'lax' | 'strict' | 'none';
    cookieSecure: boolean;
    rateLimitPerMinute: number;
    /** Failed passwords allowed per window (see LoginAttemptsService); off with rateLimitPerMinute 0. */
    loginLimits: LoginLimits;
    bcryptCost: number;
    passwordMinLength: number;
  };
  /** Sign-in with Google, GitHub or an OpenID Connect provider: only those configured. */
  federated: FederatedConfig;
  twoFactor: {
    /** Encrypts the TOTP secrets at rest (AES-256-GCM under a key derived from it). */
    encryptionKey: string;
    /** The name authenticator apps show beside the account. */
    issuer: string;
  };
  passkeys: PasskeysConfig;
  media: {
    cloudinaryUrl?: string;
    /** Base URL of locally stored pictures, as the browser must see it. */
    publicUrl: string;
    maxBytes: number;
    uploadTimeoutMs: number;
  };
  server: {
    /** Time a client has to send its request headers (slowloris). */
    headersTimeoutMs: number;
    /** Time a client has to send its whole request, body included. */
    requestTimeoutMs: number;
    /** How long an idle keep-alive connection stays open. */
    keepAliveTimeoutMs: number;
    /** Slowest a request body may arrive, averaged, once the grace period is over; 0: no floor. */
    minBodyBytesPerSecond: number;
    /** How long a request body may arrive at any pace before the floor applies. */
    minBodyRateGraceMs: number;
    /** How long in-flight requests may run on after SIGTERM/SIGINT. */
    shutdownGraceMs: number;
  };
  mail: {
    /** Unset: messages are written to outboxDir instead of being sent. */
    smtpUrl?: string;
    /**
     * `required`: nothing is sent (not even the login) unless the connection is TLS, by smtps:// or
     * STARTTLS. `off` (SMTP_TLS=off): plain SMTP, STARTTLS never tried.
     */
    smtpTls: 'required' | 'off';
    /** PEM certificates trusted for the SMTP server instead of the system's (SMTP_CA_FILE). */
    smtpCa?: string;
    from: string;
    timeoutMs: number;
    outboxDir: string;
    /** Where people land after following a link. */
    appUrl: string;
    /** This API's base URL as browsers see it, for the links in messages. */
    apiUrl: string;
    /** An app's own reset page, with `{token}` where the token goes. */
    passwordResetUrl?: string;
    requireEmailVerification: boolean;
  };
  metrics: {
    /** Serves GET /api/metrics (Prometheus text format). */
    enabled: boolean;
    /** When set, a scrape must send `Authorization: Bearer <token>`. */
    token?: string;
  };
  audit: {
    /** Security events older than this are deleted. */
    retentionDays: number;
  };
  redis: {
    /** Unset: one instance, every limit and cache in-process. */
    url?: string;
    /** Prepended to every key and channel, so several deployments (or test runs) can share a server. */
    keyPrefix: string;
  };
}

export interface LoginLimits {
  /** The fixed window every count below is kept for. */
  windowMs: number;
  /** Per account and client network (an IPv4 address, an IPv6 /64): that network is then locked out. */
  perAddress: number;
  /** Per account across all networks: then only known devices may still try. */
  perAccount: number;
  /** Per known device of the account: then that device counts as any other client. */
  perKnownDevice: number;
  /** Wrong current passwords per account when a signed-in user re-confirms (never the login lock). */
  perConfirmation: number;
}

/** The journal size at which the embedded store writes a snapshot and starts a new journal. */
export const DEFAULT_JOURNAL_MAX_BYTES = 16 * 1024 * 1024;

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Validates the raw environment and turns it into the typed configuration the app reads. */
export function loadAppConfig(raw: Record<string, unknown>): AppConfig {
  const env = parseEnvironment(raw);
  const nodeEnv = env.NODE_ENV ?? 'development';
  const production = nodeEnv === 'production';
  const dataDir = resolve(env.DATA_DIR ?? './data');
  if (production) assertProductionReady(env);

  const sameSite = env.COOKIE_SAMESITE ?? 'lax';
  const port = env.PORT ?? 5001;
  const corsOrigins = parseOrigins(env.CORS_ORIGINS ?? 'http://localhost:5173', 'CORS_ORIGINS');
  const mail = mailConfig(env, dataDir, port, corsOrigins);
  const issuer = env.TWO_FACTOR_ISSUER ?? 'Chat auth';
  return {
    app: {
      env: nodeEnv,
      port,
      dataDir,
      corsOrigins,
      trustProxy: parseTrustProxy(env.TRUST_PROXY),
      swaggerEnabled: env.SWAGGER_ENABLED ?? !production,
      logLevels: LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(env.LOG_LEVEL ?? 'log') + 1),
      logFormat: env.LOG_FORMAT ?? (nodeEnv === 'development' ? 'pretty' : 'json'),
      frontendDir: env.FRONTEND_DIR === undefined ? undefined : frontendDir(env.FRONTEND_DIR),
    },
    database: {
      uri: env.MONGODB_URI,
      persistEmbedded: nodeEnv !== 'test',
      embeddedJournalMaxBytes: env.EMBEDDED_JOURNAL_MAX_BYTES ?? DEFAULT_JOURNAL_MAX_BYTES,
    },
    auth: {
      jwtSecret: ownSecret(env, 'JWT_SECRET') ?? developmentSecret(nodeEnv, dataDir, 'jwt-secret'),
      jwtExpiresInSeconds: sessionLifetime(env.JWT_EXPIRES_IN ?? '7d'),
      passwordPepper:
        ownSecret(env, 'PASSWORD_PEPPER') ?? developmentSecret(nodeEnv, dataDir, 'password-pepper'),
      cookieSameSite: sameSite,
      // Browsers drop SameSite=None cookies that are not Secure.
      cookieSecure: production || sameSite === 'none',
      rateLimitPerMinute: env.RATE_LIMIT_AUTH_PER_MINUTE ?? 10,
      loginLimits: loginLimits(env),
      bcryptCost: env.BCRYPT_COST ?? 12,
      passwordMinLength: env.PASSWORD_MIN_LENGTH ?? 8,
    },
    federated: federatedConfig(env, production),
    twoFactor: {
      encryptionKey: twoFactorKey(
        ownSecret(env, 'TWO_FACTOR_ENCRYPTION_KEY') ??
          developmentSecret(nodeEnv, dataDir, 'two-factor-encryption-key'),
      ),
      issuer,
    },
    passkeys: passkeysConfig(env, { appUrl: mail.appUrl, apiUrl: mail.apiUrl, appName: issuer }),
    media: {
      cloudinaryUrl: env.CLOUDINARY_URL,
      // The reference frontend runs on another origin, so a bare /media path would not reach us.
      publicUrl: (env.MEDIA_PUBLIC_URL ?? `http://localhost:${port}/media`).replace(/\/+$/, ''),
      maxBytes: env.MEDIA_MAX_BYTES ?? 5 * 1024 * 1024,
      uploadTimeoutMs: env.UPLOAD_TIMEOUT_MS ?? 20_000,
    },
    server: serverSettings(env),
    mail,
    metrics: { enabled: env.METRICS_ENABLED ?? false, token: env.METRICS_TOKEN },
    audit: { retentionDays: env.AUDIT_RETENTION_DAYS ?? 90 },
    redis: {
      url: env.REDIS_URL,
      keyPrefix: env.REDIS_KEY_PREFIX ?? 'chat-auth:',
    },
  };
}

function serverSettings(env: EnvironmentVariables): AppConfig['server'] {
  const settings = {
    headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS ?? 10_000,
    requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS ?? 60_000,
    keepAliveTimeoutMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS ?? 5_000,
    // Kestrel's rule (a minimum average rate after a grace period), with a higher floor than its 240 B/s.
    minBodyBytesPerSecond: env.HTTP_MIN_BODY_BYTES_PER_SECOND ?? 1024,
    minBodyRateGraceMs: env.HTTP_MIN_BODY_RATE_GRACE_MS ?? 5_000,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS ?? 10_000,
  };
  if (settings.headersTimeoutMs > settings.requestTimeoutMs) {
    throw new ConfigurationError([
      'HTTP_HEADERS_TIMEOUT_MS must not be greater than HTTP_REQUEST_TIMEOUT_MS',
    ]);
  }
  return settings;
}

function loginLimits(env: EnvironmentVariables): LoginLimits {
  const windowSeconds = parseDuration(env.LOGIN_LOCK_WINDOW ?? '15m');
  const limits: LoginLimits = {
    windowMs: windowSeconds * 1000,
    perAddress: env.LOGIN_MAX_FAILURES_PER_ADDRESS ?? 5,
    perAccount: env.LOGIN_MAX_FAILURES_PER_ACCOUNT ?? 100,
    perKnownDevice: env.LOGIN_MAX_FAILURES_PER_DEVICE ?? 5,
    perConfirmation: env.PASSWORD_CONFIRM_MAX_FAILURES ?? 5,
  };
  const problems: string[] = [];
  if (windowSeconds < 60 || windowSeconds > 86_400) {
    problems.push('LOGIN_LOCK_WINDOW must be from 1 minute to 24 hours');
  }
  if (limits.perAccount < limits.perAddress) {
    problems.push('LOGIN_MAX_FAILURES_PER_ACCOUNT must not be less than LOGIN_MAX_FAILURES_PER_ADDRESS');
  }
  if (problems.length > 0) throw new ConfigurationError(problems);
  return limits;
}

function assertProductionReady(env: EnvironmentVariables): void {
  const problems: string[] = [];
  if (!env.JWT_SECRET) problems.push('JWT_SECRET is required in production');
  else if (env.JWT_SECRET === SECRET_PLACEHOLDER)
    problems.push('JWT_SECRET is still the .env.example placeholder');
  else if (Buffer.byteLength(env.JWT_SECRET) < 32)
    problems.push('JWT_SECRET must be at least 32 bytes in production');
  if (!env.PASSWORD_PEPPER) problems.push('PASSWORD_PEPPER is required in production');
  else if (env.PASSWORD_PEPPER === SECRET_PLACEHOLDER)
    problems.push('PASSWORD_PEPPER is still the .env.example placeholder');
  if (!env.TWO_FACTOR_ENCRYPTION_KEY) problems.push('TWO_FACTOR_ENCRYPTION_KEY is required in production');
  else if (env.TWO_FACTOR_ENCRYPTION_KEY === SECRET_PLACEHOLDER)
    problems.push('TWO_FACTOR_ENCRYPTION_KEY is still the .env.example placeholder');
  if (!env.MONGODB_URI) problems.push('MONGODB_URI is required in production');
  if (!env.CLOUDINARY_URL && !env.MEDIA_PUBLIC_URL) {
    problems.push(
      'MEDIA_PUBLIC_URL is required in production when pictures are stored on local disk (CLOUDINARY_URL unset)',
    );
  }
  if (!env.SMTP_URL) {
    problems.push('SMTP_URL is required in production (without it mail is only written to DATA_DIR/outbox)');
  }
  if (!env.API_URL) problems.push('API_URL is required in production (the links in emails point to it)');
  // The development defaults would trust any page on a visitor's own localhost:5173 with credentials,
  // and send people from the links in emails there.
  if (env.CORS_ORIGINS === undefined) {
    problems.push(
      'CORS_ORIGINS must be set in production: the origins of frontends on other sites, comma-separated, or empty for same origin only',
    );
  }
  if (!env.APP_URL) {
    problems.push('APP_URL is required in production (the frontend people land on from the links in emails)');
  }
  if (env.METRICS_ENABLED && !env.METRICS_TOKEN && !env.METRICS_PUBLIC) {
    problems.push(
      'METRICS_TOKEN is required in production when METRICS_ENABLED is on; to let anyone who reaches /api/metrics read it, set METRICS_PUBLIC=true instead',
    );
  }
  if (env.SMTP_TLS === 'off' && env.SMTP_URL && !isLoopback(smtpHost(env.SMTP_URL))) {
    problems.push(
      `SMTP_TLS=off is allowed in production only for an SMTP server on this machine (localhost, 127.0.0.1, ::1), not ${smtpHost(env.SMTP_URL)}`,
    );
  }
  if (problems.length > 0) throw new ConfigurationError(problems);
}

function mailConfig(
  env: EnvironmentVariables,
  dataDir: string,
  port: number,
  corsOrigins: string[],
): AppConfig['mail'] {
  if (env.SMTP_URL && !env.MAIL_FROM) {
    throw new ConfigurationError(['MAIL_FROM is required when SMTP_URL is set']);
  }
  if (env.SMTP_URL) assertSmtpUrl(env.SMTP_URL);
  const withoutTrailingSlash = (url: string) => url.replace(/\/+$/, '');
  return {
    smtpUrl: env.SMTP_URL,
    smtpTls: env.SMTP_TLS === 'off' ? 'off' : 'required',
    smtpCa: env.SMTP_CA_FILE === undefined ? undefined : certificates(env.SMTP_CA_FILE),
    from: env.MAIL_FROM ?? 'Chat auth <no-reply@localhost>',
    timeoutMs: env.SMTP_TIMEOUT_MS ?? 10_000,
    outboxDir: join(dataDir, 'outbox'),
    appUrl: withoutTrailingSlash(env.APP_URL ?? corsOrigins[0] ?? `http://localhost:${port}`),
    apiUrl: withoutTrailingSlash(env.API_URL ?? `http://localhost:${port}`),
    passwordResetUrl: env.PASSWORD_RESET_URL,
    requireEmailVerification: env.REQUIRE_EMAIL_VERIFICATION ?? false,
  };
}

/**
 * The published placeholder is no secret: outside production (production refuses it) it counts as
 * unset, so a `.env` copied from an older `.env.example` still gets a generated secret.
 */
function ownSecret(
  env: EnvironmentVariables,
  name: 'JWT_SECRET' | 'PASSWORD_PEPPER' | 'TWO_FACTOR_ENCRYPTION_KEY',
): string | undefined {
  if (env[name] !== SECRET_PLACEHOLDER) return env[name];
  new Logger('Config').warn(
    `${name} is the published .env.example placeholder; using a generated secret instead`,
  );
  return undefined;
}

/**
 * Outside production a missing secret is generated once and kept under DATA_DIR, so sessions and
 * passwords survive restarts; tests get a fresh one in memory.
 */
function developmentSecret(nodeEnv: string, dataDir: string, name: string): string {
  if (nodeEnv === 'test') return randomBytes(48).toString('base64url');
  const file = join(dataDir, 'secrets', name);
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    const secret = randomBytes(48).toString('base64url');
    mkdirSync(join(dataDir, 'secrets'), { recursive: true, mode: 0o700 });
    writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
    return secret;
  }
}

/** The host of an SMTP_URL, without the brackets of an IPv6 address. */
export function smtpHost(url: string): string {
  try {
    return new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  } catch {
    throw new ConfigurationError(['SMTP_URL is not a valid URL']);
  }
}

function assertSmtpUrl(url: string): void {
  if (!smtpHost(url)) throw new ConfigurationError(['SMTP_URL names no host']);
  // nodemailer would let `?ignoreTLS=true` or `?tls.rejectUnauthorized=false` override SMTP_TLS.
  if (/[?#]/.test(url)) {
    throw new ConfigurationError(['SMTP_URL takes no ?options: TLS is set with SMTP_TLS and SMTP_CA_FILE']);
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

function certificates(file: string): string {
  let pem: string;
  try {
    pem = readFileSync(resolve(file), 'utf8');
  } catch (error) {
    throw new ConfigurationError([`SMTP_CA_FILE cannot be read: ${(error as Error).message}`]);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ConfigurationError([`SMTP_CA_FILE must hold PEM certificates: ${resolve(file)}`]);
  }
  return pem;
}

/** Any string of 32 bytes or more: the AES key is derived from it (HKDF), so its format is free. */
function twoFactorKey(value: string): string {
  if (Buffer.byteLength(value) < 32) {
    throw new ConfigurationError(['TWO_FACTOR_ENCRYPTION_KEY must be at least 32 bytes']);
  }
  return value;
}

function frontendDir(value: string): string {
  const dir = resolve(value);
  if (!existsSync(join(dir, 'index.html'))) {
    throw new ConfigurationError([`FRONTEND_DIR must be a built frontend with an index.html: ${dir}`]);
  }
  return dir;
}

function sessionLifetime(value: string): number {
  const seconds = parseDuration(value);
  if (seconds < 60) throw new ConfigurationError(['JWT_EXPIRES_IN must be at least 60 seconds']);
  return seconds;
}

export function parseDuration(value: string): number {
  const match = /^(\d+)\s*([smhd]?)$/.exec(value.trim());
  if (!match) throw new Error(`Invalid duration: ${value}`);
  return Number(match[1]) * DURATION_UNITS[match[2] || 's'];
}

/** Express's `trust proxy`: a boolean, a number of hops, or a list of addresses/subnets. */
function parseTrustProxy(value: string | undefined): boolean | number | string {
  if (value === undefined) return false;
  const normalised = value.trim().toLowerCase();
  if (['false', '0', 'no', 'off'].includes(normalised)) return false;
  if (['true', 'yes', 'on'].includes(normalised)) return true;
  if (/^\d+$/.test(normalised)) return Number(normalised);
  return value;
}
