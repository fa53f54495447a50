import { IsString, MaxLength } from 'class-validator';
import { PASSWORD_MAX_LENGTH } from '../../password/password-policy.js';
import { EmailTokenDto } from '../../email-verification/dto/email-token.dto.js';

export class ResetPasswordDto extends EmailTokenDto {
  /** Same rules as at signup. */
  @MaxLength(PASSWORD_MAX_LENGTH)
  @IsString()
  newPassword: string;
}
