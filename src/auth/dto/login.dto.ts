import { Transform } from 'class-transformer';
import { IsString, Length } from 'class-validator';
import { normalizeEmail } from '../../common/validation/transforms.js';
import { PASSWORD_MAX_LENGTH } from '../password/password-policy.js';

export class LoginDto {
  /** @example ada@example.com */
  @Transform(normalizeEmail)
  @Length(1, 254)
  @IsString()
  email: string;

  /**
   * No strength rules here, so accounts created under older rules can still sign in.
   * @example 'correct horse battery staple'
   */
  @Length(1, PASSWORD_MAX_LENGTH)
  @IsString()
  password: string;
}
