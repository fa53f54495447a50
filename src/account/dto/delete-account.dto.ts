import { IsString, Length } from 'class-validator';
import { PASSWORD_MAX_LENGTH } from '../../auth/password/password-policy.js';

export class DeleteAccountDto {
  /** The current password, to confirm. */
  @Length(1, PASSWORD_MAX_LENGTH)
  @IsString()
  password: string;
}
