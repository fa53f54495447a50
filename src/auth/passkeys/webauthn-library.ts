/** The WebAuthn library's functions this module calls. */
export type WebAuthnLibrary = typeof import('@simplewebauthn/server');

let loading: Promise<WebAuthnLibrary> | undefined;

/**
 * @simplewebauthn/server (with its ASN.1 and CBOR parsers), loaded on the first passkey request:
 * some 15 MiB of memory that an instance without passkey traffic never needs.
 */
export function webAuthn(): Promise<WebAuthnLibrary> {
  loading ??= import('@simplewebauthn/server');
  return loading;
}
