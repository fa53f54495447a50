import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialDescriptorJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import type {
  AuthenticatorSelectionDto,
  CredentialDescriptorDto,
  PasskeyCreationOptionsDto,
  PasskeyRequestOptionsDto,
} from './dto/passkey-options.dto.js';
import type { PasskeyResponseDto } from './dto/passkey-response.dto.js';
import type { PasskeyRecord } from './passkey-credentials.js';

/** The only way a passkey leaves the API: no key, no counter, no credential id. */
export function toPasskeyResponse(passkey: PasskeyRecord): PasskeyResponseDto {
  return {
    id: passkey._id.toHexString(),
    name: passkey.name,
    createdAt: passkey.createdAt,
    lastUsedAt: passkey.lastUsedAt ?? null,
  };
}

/** The library's options, field by field: nothing it might add later leaves unreviewed. */
export function toCreationOptions(
  options: PublicKeyCredentialCreationOptionsJSON,
): PasskeyCreationOptionsDto {
  return {
    rp: { id: options.rp.id!, name: options.rp.name },
    user: { id: options.user.id, name: options.user.name, displayName: options.user.displayName },
    challenge: options.challenge,
    pubKeyCredParams: options.pubKeyCredParams.map(({ type, alg }) => ({ type, alg })),
    timeout: options.timeout!,
    attestation: options.attestation as PasskeyCreationOptionsDto['attestation'],
    excludeCredentials: (options.excludeCredentials ?? []).map(toDescriptor),
    authenticatorSelection: {
      residentKey: options.authenticatorSelection!.residentKey,
      requireResidentKey: options.authenticatorSelection!.requireResidentKey,
      userVerification: options.authenticatorSelection!.userVerification,
    } as AuthenticatorSelectionDto,
    extensions: { credProps: true },
    hints: options.hints ?? [],
  };
}

export function toRequestOptions(options: PublicKeyCredentialRequestOptionsJSON): PasskeyRequestOptionsDto {
  return {
    rpId: options.rpId!,
    challenge: options.challenge,
    allowCredentials: (options.allowCredentials ?? []).map(toDescriptor),
    timeout: options.timeout!,
    userVerification: options.userVerification as PasskeyRequestOptionsDto['userVerification'],
  };
}

function toDescriptor({ id, transports }: PublicKeyCredentialDescriptorJSON): CredentialDescriptorDto {
  return { id, type: 'public-key', ...(transports?.length ? { transports } : {}) };
}
