import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { type CBORType, encodeCBOR } from '@levischuck/tiny-cbor';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';

/**
 * A passkey authenticator in software, as a browser and a platform authenticator together would
 * answer `navigator.credentials.create()` and `.get()`: P-256 keys from node:crypto, a `none`
 * attestation, discoverable credentials, user verification. Every field it signs can be bent, so a
 * test can present what a phishing page, a cloned authenticator or a replay would.
 */

const FLAG = { userPresent: 0x01, userVerified: 0x04, backupEligible: 0x08, backedUp: 0x10, attested: 0x40 };
/** COSE: kty EC2, alg ES256, crv P-256. */
const COSE = { kty: 1, alg: 3, crv: -1, x: -2, y: -3, EC2: 2, ES256: -7, P256: 1 };

export interface SoftwareCredential {
  /** The credential id, base64url. */
  id: string;
  rpId: string;
  /** The `user.id` of the creation options, base64url. */
  userHandle: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The signature counter this authenticator keeps (0 for one that keeps none). */
  counter: number;
}

/** What the client data and authenticator data say, when a test wants them to say something else. */
export interface Bent {
  origin?: string;
  /** The RP ID whose hash goes into the authenticator data. */
  rpId?: string;
  challenge?: string;
  type?: string;
  userVerified?: boolean;
  /** The signature counter to report (the authenticator's own is not moved). */
  counter?: number;
  /** The user handle to send with an assertion. */
  userHandle?: string;
  /** Sign with this key instead of the credential's. */
  signingKey?: KeyObject;
  /** Which credential to use: for get, a held one (default: the newest for the RP ID); for create, an existing one again. */
  credential?: SoftwareCredential;
}

export class SoftwareAuthenticator {
  readonly credentials: SoftwareCredential[] = [];

  /**
   * `origin`: the page the browser would be on. `keepsCounter`: false for an authenticator that
   * always reports 0, as synced passkeys do.
   */
  constructor(
    readonly origin = 'http://localhost:5173',
    private readonly options: { keepsCounter?: boolean; backupEligible?: boolean } = {},
  ) {}

  /** navigator.credentials.create(), as JSON (what `startRegistration()` answers). */
  create(options: PublicKeyCredentialCreationOptionsJSON, bent: Bent = {}): RegistrationResponseJSON {
    const rpId = options.rp.id ?? new URL(this.origin).hostname;
    const excluded = new Set((options.excludeCredentials ?? []).map((credential) => credential.id));
    if (this.credentials.some((credential) => credential.rpId === rpId && excluded.has(credential.id))) {
      throw new Error('InvalidStateError: this authenticator holds an excluded credential');
    }
    const credential = bent.credential ?? this.newCredential(rpId, options.user.id);
    const clientDataJSON = this.clientData('webauthn.create', options.challenge, bent);
    const attestedCredential = Buffer.concat([
      Buffer.alloc(16), // AAGUID: this authenticator does not say what it is
      u16(Buffer.from(credential.id, 'base64url').length),
      Buffer.from(credential.id, 'base64url'),
      coseKey(credential.publicKey),
    ]);
    const authData = this.authenticatorData(rpId, FLAG.attested, bent.counter ?? 0, bent, attestedCredential);
    const attestationObject = encodeCBOR(
      new Map<string, CBORType>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, CBORType>()],
        ['authData', new Uint8Array(authData)],
      ]),
    );
    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key',
      response: {
        clientDataJSON: b64url(clientDataJSON),
        attestationObject: b64url(attestationObject),
        transports: ['internal', 'hybrid'],
      },
      authenticatorAttachment: 'platform',
      clientExtensionResults: { credProps: { rk: true } },
    };
  }

  private newCredential(rpId: string, userHandle: string): SoftwareCredential {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const credential = {
      id: randomBytes(16).toString('base64url'),
      rpId,
      userHandle,
      privateKey,
      publicKey,
      counter: 0,
    };
    // An authenticator keeps one passkey per account and RP: a new one replaces the old.
    const replaced = this.credentials.findIndex(
      (held) => held.rpId === rpId && held.userHandle === userHandle,
    );
    if (replaced >= 0) this.credentials.splice(replaced, 1);
    this.credentials.push(credential);
    return credential;
  }

  /** navigator.credentials.get(), as JSON (what `startAuthentication()` answers). */
  get(options: PublicKeyCredentialRequestOptionsJSON, bent: Bent = {}): AuthenticationResponseJSON {
    const rpId = options.rpId ?? new URL(this.origin).hostname;
    const allowed = new Set((options.allowCredentials ?? []).map((credential) => credential.id));
    const candidates = this.credentials.filter(
      (credential) => credential.rpId === rpId && (allowed.size === 0 || allowed.has(credential.id)),
    );
    const credential = bent.credential ?? candidates.at(-1);
    if (!credential) throw new Error('NotAllowedError: no passkey for this site');
    let counter = bent.counter;
    if (counter === undefined) {
      if (this.options.keepsCounter !== false) credential.counter++;
      counter = credential.counter;
    }
    const clientDataJSON = this.clientData('webauthn.get', options.challenge, bent);
    const authData = this.authenticatorData(rpId, 0, counter, bent);
    const signed = Buffer.concat([authData, createHash('sha256').update(clientDataJSON).digest()]);
    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key',
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(sign('sha256', signed, bent.signingKey ?? credential.privateKey)),
        userHandle: bent.userHandle ?? credential.userHandle,
      },
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
    };
  }

  private clientData(type: string, challenge: string, bent: Bent): Buffer {
    return Buffer.from(
      JSON.stringify({
        type: bent.type ?? type,
        challenge: bent.challenge ?? challenge,
        origin: bent.origin ?? this.origin,
        crossOrigin: false,
      }),
    );
  }

  private authenticatorData(
    rpId: string,
    extraFlags: number,
    counter: number,
    bent: Bent,
    attestedCredential = Buffer.alloc(0),
  ): Buffer {
    let flags = FLAG.userPresent | extraFlags;
    if (bent.userVerified ?? true) flags |= FLAG.userVerified;
    if (this.options.backupEligible) flags |= FLAG.backupEligible | FLAG.backedUp;
    const signCount = Buffer.alloc(4);
    signCount.writeUInt32BE(counter);
    return Buffer.concat([
      createHash('sha256')
        .update(bent.rpId ?? rpId)
        .digest(),
      Buffer.from([flags]),
      signCount,
      attestedCredential,
    ]);
  }
}

/** A P-256 key pair nobody registered: signatures by it are bad ones. */
export function strangerKey(): KeyObject {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
}

function coseKey(publicKey: KeyObject): Uint8Array {
  const jwk = publicKey.export({ format: 'jwk' });
  return encodeCBOR(
    new Map<number, CBORType>([
      [COSE.kty, COSE.EC2],
      [COSE.alg, COSE.ES256],
      [COSE.crv, COSE.P256],
      [COSE.x, new Uint8Array(Buffer.from(jwk.x!, 'base64url'))],
      [COSE.y, new Uint8Array(Buffer.from(jwk.y!, 'base64url'))],
    ]),
  );
}

function u16(value: number): Buffer {
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16BE(value);
  return bytes;
}

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}
