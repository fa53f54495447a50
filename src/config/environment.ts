import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';

export const NODE_ENVS = ['development', 'test', 'production'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;
export const SAME_SITE_VALUES = ['lax', 'strict', 'none'] as const;
export const LOG_FORMATS = ['pretty', 'json'] as const;
export const SMTP_TLS_MODES = ['on', 'off'] as const;

const HTTP_URL = /^https?:\/\/[^\s/?#]+\S*$/;

/** The placeholder `.env.example` ships; a production boot refuses it. */
export const SECRET_PLACEHOLDER = 'change-me-to-a-random-string-of-at-least-32-bytes';

const emptyToUndefined = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;
const toBoolean = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const normalised = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(normalised)) return true;
  if (['false', '0', 'no', 'off', ''].includes(normalised)) return false;
  return value;
};
const toTrimmed = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const toLower = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim().toLowerCase() : value;
const toLowerOrUndefined = ({ value }: { value: unknown }) => emptyToUndefined({ value: toLower({ value }) });
const toInt = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  if (value.trim() === '') return undefined;
  return /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
};

/** Every environment variable the service reads, with its rules. Defaults live in app-config.ts. */
export class EnvironmentVariables {
  @IsOptional()
  @Transform(toInt)
  @Min(0)
  @Max(65535)
  @IsInt()
  PORT?: number;

  @IsOptional()
  @Transform(toLower)
  @IsIn(NODE_ENVS)
  NODE_ENV?: (typeof NODE_ENVS)[number];

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  DATA_DIR?: string;

  @IsOptional()
  @Transform(toInt)
  @Min(64 * 1024)
  @Max(1024 * 1024 * 1024)
  @IsInt()
  EMBEDDED_JOURNAL_MAX_BYTES?: number;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^mongodb(\+srv)?:\/\/\S+$/, {
    message: 'MONGODB_URI must be a mongodb:// or mongodb+srv:// connection string',
  })
  MONGODB_URI?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  JWT_SECRET?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^\d+\s*[smhd]?$/, {
    message: 'JWT_EXPIRES_IN must be a number of seconds or a duration such as 15m, 12h or 7d',
  })
  JWT_EXPIRES_IN?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  @MinLength(32, {
    message: 'PASSWORD_PEPPER must be at least 32 characters',
  })
  PASSWORD_PEPPER?: string;

  // Empty is a value here (no other origin: same origin only), unlike unset.
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  TWO_FACTOR_ENCRYPTION_KEY?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^[^:]{1,64}$/, {
    message: 'TWO_FACTOR_ISSUER must be 1-64 characters, without a colon',
  })
  TWO_FACTOR_ISSUER?: string;

  @IsOptional()
  @Transform(toLowerOrUndefined)
  @Matches(/^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/, {
    message: 'WEBAUTHN_RP_ID must be a domain name such as example.com: no scheme, port or path',
  })
  WEBAUTHN_RP_ID?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^[^\p{Cc}]{1,64}$/u, { message: 'WEBAUTHN_RP_NAME must be 1-64 characters' })
  WEBAUTHN_RP_NAME?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  WEBAUTHN_ORIGINS?: string;

  // Empty is a value here (no other origin: same origin only), unlike unset.
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  CORS_ORIGINS?: string;

  @IsOptional()
  @Transform(toLower)
  @IsIn(SAME_SITE_VALUES)
  COOKIE_SAMESITE?: (typeof SAME_SITE_VALUES)[number];

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  TRUST_PROXY?: string;

  @IsOptional()
  @Transform(toInt)
  @Min(0)
  @Max(100000)
  @IsInt()
  RATE_LIMIT_AUTH_PER_MINUTE?: number;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^\d+\s*[smhd]?$/, {
    message: 'LOGIN_LOCK_WINDOW must be a number of seconds or a duration such as 15m or 1h',
  })
  LOGIN_LOCK_WINDOW?: string;

  @IsOptional()
  @Transform(toInt)
  @Min(1)
  @Max(1000)
  @IsInt()
  LOGIN_MAX_FAILURES_PER_ADDRESS?: number;

  @IsOptional()
  @Transform(toInt)
  @Min(1)
  @Max(1_000_000)
  @IsInt()
  LOGIN_MAX_FAILURES_PER_ACCOUNT?: number;

  @IsOptional()
  @Transform(toInt)
  @Min(1)
  @Max(1000)
  @IsInt()
  LOGIN_MAX_FAILURES_PER_DEVICE?: number;

  @IsOptional()
  @Transform(toInt)
  @Min(1)
  @Max(1000)
  @IsInt()
  PASSWORD_CONFIRM_MAX_FAILURES?: number;

  @IsOptional()
  @Transform(toInt)
  @Min(4)
  @Max(15)
  @IsInt()
  BCRYPT_COST?: number;

  @IsOptional()
  @Transform(toInt)
  @Min(6)
  @Max(64)
  @IsInt()
  PASSWORD_MIN_LENGTH?: number;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^cloudinary:\/\/[^:@\s]+:[^@\s]+@[^/?\s]+(\?\S*)?$/, {
    message: 'CLOUDINARY_URL must look like cloudinary://api_key:api_secret@cloud_name',
  })
  CLOUDINARY_URL?: string;

  @IsOptional()
  @Transform(toInt)
  @Min(1024)
  @Max(50 * 1024 * 1024)
  @IsInt()
  MEDIA_MAX_BYTES?: number;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^(https?:\/\/[^\s/?#]+)?(\/[^\s?#]*)?$/, {
    message:
      'MEDIA_PUBLIC_URL must be an http(s) URL such as https://api.example.com/media, or a path such as /media',
  })
  MEDIA_PUBLIC_URL?: string;

  @IsOptional()
  @Transform(toInt)
  @Min(100)
  @Max(300000)
  @IsInt()
  UPLOAD_TIMEOUT_MS?: number;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^smtps?:\/\/\S+$/, {
    message: 'SMTP_URL must look like smtp://user:pass@host:587 or smtps://user:pass@host:465',
  })
  SMTP_URL?: string;

  @IsOptional()
  @Transform(toLowerOrUndefined)
  @IsIn(SMTP_TLS_MODES, { message: 'SMTP_TLS must be on or off' })
  SMTP_TLS?: (typeof SMTP_TLS_MODES)[number];

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  SMTP_CA_FILE?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  MAIL_FROM?: string;

  @IsOptional()
  @Transform(toInt)
  @Min(100)
  @Max(120000)
  @IsInt()
  SMTP_TIMEOUT_MS?: number;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(HTTP_URL, { message: 'APP_URL must be an http(s) URL' })
  APP_URL?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(HTTP_URL, {
    message: 'API_URL must be an http(s) URL such as https://api.example.com',
  })
  API_URL?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^https?:\/\/\S*\{token\}\S*$/, {
    message: 'PASSWORD_RESET_URL must be an http(s) URL containing {token}',
  })
  PASSWORD_RESET_URL?: string;

  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  REQUIRE_EMAIL_VERIFICATION?: boolean;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(HTTP_URL, { message: 'OIDC_ISSUER must be an http(s) URL such as https://login.example.com' })
  OIDC_ISSUER?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  OIDC_CLIENT_ID?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  OIDC_CLIENT_SECRET?: string;

  @IsOptional()
  @Transform(({ value }: { value: unknown }) => emptyToUndefined({ value: toTrimmed({ value }) }))
  @IsString()
  @MaxLength(64, { message: 'OIDC_NAME must be at most 64 characters' })
  OIDC_NAME?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  GOOGLE_CLIENT_ID?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  GOOGLE_CLIENT_SECRET?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(HTTP_URL, { message: 'GOOGLE_ISSUER must be an http(s) URL such as https://accounts.google.com' })
  GOOGLE_ISSUER?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  GITHUB_CLIENT_ID?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  GITHUB_CLIENT_SECRET?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(HTTP_URL, { message: 'GITHUB_URL must be an http(s) URL such as https://github.com' })
  GITHUB_URL?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(HTTP_URL, { message: 'GITHUB_API_URL must be an http(s) URL such as https://api.github.com' })
  GITHUB_API_URL?: string;

  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  SWAGGER_ENABLED?: boolean;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^rediss?:\/\/\S+$/, {
    message: 'REDIS_URL must be a redis:// or rediss:// URL such as redis://127.0.0.1:6379',
  })
  REDIS_URL?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^[\w.:-]{1,64}$/, {
    message: 'REDIS_KEY_PREFIX must be 1-64 letters, digits, _ . : or -',
  })
  REDIS_KEY_PREFIX?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  FRONTEND_DIR?: string;

  @IsOptional()
  @Transform(toLower)
  @IsIn(LOG_LEVELS)
  LOG_LEVEL?: (typeof LOG_LEVELS)[number];

  @IsOptional()
  @Transform(toLower)
  @IsIn(LOG_FORMATS)
  LOG_FORMAT?: (typeof LOG_FORMATS)[number];

  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  METRICS_ENABLED?: boolean;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  @MinLength(16, {
    message: 'METRICS_TOKEN must be at least 16 characters',
  })
  METRICS_TOKEN?: string;

  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  METRICS_PUBLIC?: boolean;

  @IsOptional()
  @Transform(toInt)
  @Min(1)
  @Max(3650)
  @IsInt()
  AUDIT_RETENTION_DAYS?: number;

  @IsOptional()
  @Transform(toInt)
  @Min(0)
  @Max(600_000)
  @IsInt()
  SHUTDOWN_GRACE_MS?: number;

  @IsOptional()
  @Transform(toInt)
  @Min(100)
  @Max(600_000)
  @IsInt()
  HTTP_HEADERS_TIMEOUT_MS?: number;

  @IsOptional()
  @Transform(toInt)
  @Min(100)
  @Max(3_600_000)
  @IsInt()
  HTTP_REQUEST_TIMEOUT_MS?: number;

  @IsOptional()
  @Transform(toInt)
  @Min(100)
  @Max(600_000)
  @IsInt()
  HTTP_KEEP_ALIVE_TIMEOUT_MS?: number;

  @IsOptional()
  @Transform(toInt)
  @Min(0)
  @Max(100 * 1024 * 1024)
  @IsInt()
  HTTP_MIN_BODY_BYTES_PER_SECOND?: number;

  @IsOptional()
  @Transform(toInt)
  @Min(1000)
  @Max(600_000)
  @IsInt()
  HTTP_MIN_BODY_RATE_GRACE_MS?: number;
}

/** A bad environment: the message names every offending variable; no stack is worth printing. */
export class ConfigurationError extends Error {
  constructor(problems: string[]) {
    super(`Invalid configuration:\n- ${problems.join('\n- ')}`);
    this.name = 'ConfigurationError';
  }
}

/** Parses and checks the raw variables; throws one error that names every offending variable. */
export function parseEnvironment(raw: Record<string, unknown>): EnvironmentVariables {
  const env = plainToInstance(EnvironmentVariables, raw);
  const errors = validateSync(env, { forbidUnknownValues: false, stopAtFirstError: true });
  if (errors.length > 0) {
    throw new ConfigurationError(errors.flatMap((error) => Object.values(error.constraints ?? {})));
  }
  return env;
}
