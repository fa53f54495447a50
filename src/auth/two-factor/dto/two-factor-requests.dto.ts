import { IsOptional, IsString, Length } from 'class-validator';
import { PASSWORD_MAX_LENGTH } from '../../password/password-policy.js';

/** Longest code accepted: a recovery code with some spaces around its groups. */
const CODE_MAX_LENGTH = 64;

export class ConfirmPasswordDto {
  /** The current password, to confirm. */
  @Length(1, PASSWORD_MAX_LENGTH)
  @IsString()
  password: string;
}

export class EnableTwoFactorDto {
  /**
   * The code the authenticator app shows after adding the secret of setup.
   * @example '123456'
   */
  @Length(1, CODE_MAX_LENGTH)
  @IsString()
  code: string;
}

export class DisableTwoFactorDto {
  /** The current password, to confirm. */
  @Length(1, PASSWORD_MAX_LENGTH)
  @IsString()
  password: string;

  /**
   * A code of the authenticator app, or one of the recovery codes.
   * @example '123456'
   */
  @Length(1, CODE_MAX_LENGTH)
  @IsString()
  code: string;
}

export class VerifyTwoFactorDto {
  /**
   * The `challenge` login answered with. May be left out when the challenge cookie (set by login,
   * sent only to /api/auth/2fa) comes with the request.
   * @example 'wqvQvGJ8tTq1p0Yx2bT6mN3cK9hL4sD7fA1eR5uI8oE'
   */
  @IsOptional()
  @Length(1, 128)
  @IsString()
  challenge?: string;

  /**
   * The 6-digit code of the authenticator app. Send this or `recoveryCode`.
   * @example '123456'
   */
  @IsOptional()
  @Length(1, CODE_MAX_LENGTH)
  @IsString()
  code?: string;

  /**
   * One of the recovery codes (case and hyphens do not matter); each works once.
   * @example 'k7m2q-x4c9p-h3w8n-t5r6j'
   */
  @IsOptional()
  @Length(1, CODE_MAX_LENGTH)
  @IsString()
  recoveryCode?: string;
}
