import { ApiProperty } from '@nestjs/swagger';

/**
 * What `navigator.credentials.create()` / `.get()` resolve to, as JSON: `PublicKeyCredential.toJSON()`
 * (WebAuthn Level 3), or what `@simplewebauthn/browser`'s `startRegistration()` /
 * `startAuthentication()` answer. Documentation only: the server checks these itself, and fields
 * added by newer browsers are let through.
 */

export class AttestationResponseDto {
  /** base64url */
  clientDataJSON: string;
  /** base64url (CBOR) */
  attestationObject: string;
  authenticatorData?: string;
  /** @example ['internal', 'hybrid'] */
  transports?: string[];
  publicKeyAlgorithm?: number;
  publicKey?: string;
}

export class RegistrationCredentialDto {
  /** The credential id, base64url. */
  id: string;
  /** The same as id. */
  rawId: string;
  @ApiProperty({ enum: ['public-key'] })
  type: 'public-key';
  response: AttestationResponseDto;
  /** @example platform */
  authenticatorAttachment?: string;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { credProps: { rk: true } } })
  clientExtensionResults: Record<string, unknown>;
}

export class AssertionResponseDto {
  /** base64url */
  clientDataJSON: string;
  /** base64url */
  authenticatorData: string;
  /** base64url */
  signature: string;
  /** The account's user handle the passkey was made for, base64url. */
  userHandle?: string;
}

export class AuthenticationCredentialDto {
  /** The credential id, base64url. */
  id: string;
  /** The same as id. */
  rawId: string;
  @ApiProperty({ enum: ['public-key'] })
  type: 'public-key';
  response: AssertionResponseDto;
  /** @example platform */
  authenticatorAttachment?: string;
  @ApiProperty({ type: 'object', additionalProperties: true })
  clientExtensionResults: Record<string, unknown>;
}
