import { IsString, Length, MaxLength } from 'class-validator';
import { PASSWORD_MAX_LENGTH } from '../../auth/password/password-policy.js';

export class ChangePasswordDto {
  @Length(1, PASSWORD_MAX_LENGTH)
  @IsString()
  currentPassword: string;

  /** Same rules as at signup. */
  @MaxLength(PASSWORD_MAX_LENGTH)
  @IsString()
  newPassword: string;
}
