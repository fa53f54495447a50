import { IsString, MaxLength } from 'class-validator';

export class EmailTokenDto {
  /** The `token` parameter of the link in the email. */
  @MaxLength(200)
  @IsString()
  token: string;
}
