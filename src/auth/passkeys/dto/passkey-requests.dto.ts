import { Transform } from 'class-transformer';
import { IsObject, IsOptional, IsString, Length, Matches } from 'class-validator';
import { trim } from '../../../common/validation/transforms.js';
import { PASSWORD_MAX_LENGTH } from '../../password/password-policy.js';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { AuthenticationCredentialDto, RegistrationCredentialDto } from './passkey-credentials.dto.js';

export const PASSKEY_NAME_MAX_LENGTH = 64;
const NO_CONTROL_CHARACTERS = /^[^\p{Cc}\p{Cs}\u202A-\u202E\u2066-\u2069]*$/u;

/** A sensitive change: the password, unless the session signed in less than 10 minutes ago. */
export class StepUpDto {
  /** The current password; not needed within 10 minutes of signing in. */
  @IsOptional()
  @Length(1, PASSWORD_MAX_LENGTH)
  @IsString()
  password?: string;
}

export class RegisterPasskeyDto {
  /** The new credential, as `navigator.credentials.create()` gave it, in its JSON form. */
  @IsObject({ message: 'response must be the credential as JSON (RegistrationResponseJSON)' })
  response: RegistrationCredentialDto;

  /**
   * A name for the owner to tell passkeys apart; default `Passkey`.
   * @example 'MacBook Touch ID'
   */
  @IsOptional()
  @Transform(trim)
  @Length(1, PASSKEY_NAME_MAX_LENGTH, { message: 'name must be 1 to 64 characters long' })
  @Matches(NO_CONTROL_CHARACTERS, { message: 'name must not contain control characters' })
  @IsString()
  name?: string;
}

export class RenamePasskeyDto {
  /** @example 'YubiKey 5C' */
  @Transform(trim)
  @Length(1, PASSKEY_NAME_MAX_LENGTH, { message: 'name must be 1 to 64 characters long' })
  @Matches(NO_CONTROL_CHARACTERS, { message: 'name must not contain control characters' })
  @IsString()
  name: string;
}

export class PasskeySignInDto {
  /** The assertion, as `navigator.credentials.get()` gave it, in its JSON form. */
  @IsObject({ message: 'response must be the credential as JSON (AuthenticationResponseJSON)' })
  response: AuthenticationCredentialDto;
}

/** The DTOs document the shapes; the library checks them (and refuses what does not fit). */
export const registrationResponseOf = (dto: RegisterPasskeyDto) =>
  dto.response as unknown as RegistrationResponseJSON;
export const authenticationResponseOf = (dto: PasskeySignInDto) =>
  dto.response as unknown as AuthenticationResponseJSON;
