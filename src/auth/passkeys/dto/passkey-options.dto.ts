import { ApiProperty } from '@nestjs/swagger';

/**
 * The options of a ceremony, in the JSON form of WebAuthn Level 3
 * (`PublicKeyCredential.parseCreationOptionsFromJSON`) that `@simplewebauthn/browser` takes as is.
 */

export class RelyingPartyDto {
  /** The RP ID (WEBAUTHN_RP_ID): the domain the passkey is bound to. @example example.com */
  id: string;
  /** @example 'Chat auth' */
  name: string;
}

export class PasskeyUserEntityDto {
  /**
   * The account's WebAuthn user handle, base64url: random, the same for each of its passkeys, and
   * neither the email nor the account id.
   * @example 'Gm3xUvYz2l9HfQnBq7cR1tWkDsEa8PjL0oXiMbNyZ4U'
   */
  id: string;
  /** What the authenticator shows to tell accounts apart: the email. @example ada@example.com */
  name: string;
  /** @example 'Ada Lovelace' */
  displayName: string;
}

export class CredentialParameterDto {
  @ApiProperty({ enum: ['public-key'] })
  type: 'public-key';
  /** A COSE algorithm: -7 ES256, -8 EdDSA, -257 RS256. @example -7 */
  alg: number;
}

export class CredentialDescriptorDto {
  /** A credential id, base64url. @example 'kTqX0b3PzL5vYc8Wn2rAeQ' */
  id: string;
  @ApiProperty({ enum: ['public-key'] })
  type: 'public-key';
  /** How the browser may reach it, as it said at registration. @example ['internal', 'hybrid'] */
  transports?: string[];
}

export class AuthenticatorSelectionDto {
  /** Discoverable credentials only: sign-in asks for no email. */
  @ApiProperty({ enum: ['required'] })
  residentKey: 'required';
  @ApiProperty({ enum: [true] })
  requireResidentKey: true;
  /** A PIN, fingerprint or face: the passkey alone then counts as two factors. */
  @ApiProperty({ enum: ['required'] })
  userVerification: 'required';
}

export class CreationExtensionsDto {
  /** Asks the browser to say whether the credential is discoverable. */
  @ApiProperty({ enum: [true] })
  credProps: true;
}

/** For `navigator.credentials.create()` (or `startRegistration({ optionsJSON })`). */
export class PasskeyCreationOptionsDto {
  rp: RelyingPartyDto;
  user: PasskeyUserEntityDto;
  /** Fresh, single use, valid for 5 minutes. @example 'u3Wq8XbZ1pT0aVcYh6sJ2nLkR9mEoDfG4iQwN7yB5tA' */
  challenge: string;
  /** ES256, EdDSA and RS256, in that order of preference. */
  pubKeyCredParams: CredentialParameterDto[];
  /** Milliseconds. @example 300000 */
  timeout: number;
  @ApiProperty({ enum: ['none'] })
  attestation: 'none';
  /** The caller's passkeys, so an authenticator does not register a second one for the account. */
  excludeCredentials: CredentialDescriptorDto[];
  authenticatorSelection: AuthenticatorSelectionDto;
  extensions: CreationExtensionsDto;
  /** Always empty: any kind of authenticator. @example [] */
  hints: string[];
}

/** For `navigator.credentials.get()` (or `startAuthentication({ optionsJSON })`). */
export class PasskeyRequestOptionsDto {
  /** @example example.com */
  rpId: string;
  /** Fresh, single use, valid for 5 minutes. @example 'Hk2pV9xQm4bT7cW1zY8aL3nR6sE0dJfG5uIoNqB2tXc' */
  challenge: string;
  /** Always empty: the authenticator offers the passkeys it holds for this site, no email is asked. @example [] */
  allowCredentials: CredentialDescriptorDto[];
  /** Milliseconds. @example 300000 */
  timeout: number;
  @ApiProperty({ enum: ['required'] })
  userVerification: 'required';
}
