import { Transform } from 'class-transformer';
import { IsEmail, IsString, Length, Matches, MaxLength } from 'class-validator';
import { normalizeEmail, trim } from '../../common/validation/transforms.js';
import { PASSWORD_MAX_LENGTH } from '../password/password-policy.js';

export class SignupDto {
  /** @example 'Ada Lovelace' */
  @Transform(trim)
  @Length(1, 100, { message: 'fullName must be 1 to 100 characters long' })
  // Control characters, bidirectional overrides (display-name spoofing) and lone surrogates.
  @Matches(/^[^\p{Cc}\p{Cs}\u202A-\u202E\u2066-\u2069]*$/u, {
    message: 'fullName must not contain control characters',
  })
  @IsString()
  fullName: string;

  /**
   * Stored trimmed and lower-case.
   * @example ada@example.com
   */
  @Transform(normalizeEmail)
  @MaxLength(254)
  @IsEmail({}, { message: 'email must be a valid email address' })
  @IsString()
  email: string;

  /**
   * PASSWORD_MIN_LENGTH (default 8) to 128 characters; common passwords are refused.
   * @example 'correct horse battery staple'
   */
  @MaxLength(PASSWORD_MAX_LENGTH)
  @IsString()
  password: string;
}
