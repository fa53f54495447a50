import { Transform } from 'class-transformer';
import { IsEmail, IsString, Length, MaxLength } from 'class-validator';
import { normalizeEmail } from '../../../common/validation/transforms.js';
import { PASSWORD_MAX_LENGTH } from '../../password/password-policy.js';

export class ChangeEmailDto {
  /**
   * Stored trimmed and lower-case once confirmed.
   * @example ada.new@example.com
   */
  @Transform(normalizeEmail)
  @MaxLength(254)
  @IsEmail({}, { message: 'newEmail must be a valid email address' })
  @IsString()
  newEmail: string;

  /** The current password. */
  @Length(1, PASSWORD_MAX_LENGTH)
  @IsString()
  password: string;
}
