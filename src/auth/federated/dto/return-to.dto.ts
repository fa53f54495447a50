import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';

export const RETURN_TO_INVALID = 'returnTo must be a path of the app, starting with a single /';

/**
 * A path of the app: one `/`, then no second `/` or `\` (which browsers read as another host), no
 * backslash, space or control character anywhere.
 */
export const RETURN_TO = /^\/(?![/\\])[^\\\s\p{Cc}]*$/u;

/** Where to land in the app after signing in, as `APP_URL` + this path. */
export class ReturnToDto {
  /**
   * A path of the app (`/chat?room=1`); not `//host` nor an absolute URL. Default: the app's root.
   * @example /settings/security
   */
  @IsOptional()
  @IsString()
  @MaxLength(512)
  @Matches(RETURN_TO, { message: RETURN_TO_INVALID })
  returnTo?: string;
}
