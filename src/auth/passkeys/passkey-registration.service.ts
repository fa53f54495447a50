import { BadRequestException, ConflictException, Injectable, Logger } from '@nestjs/common';
import type { ClientInfo } from '../../common/http/client-info.js';
import { ConfigService } from '@nestjs/config';
import type { RegistrationResponseJSON, VerifiedRegistrationResponse } from '@simplewebauthn/server';
import { AuditTrail } from '../../audit/audit-trail.service.js';
import type { AuthContext } from '../../common/auth-context.js';
import { Clock } from '../../common/clock.js';
import type { AppConfig } from '../../config/app-config.js';
import type { PasskeysConfig } from '../../config/passkeys-config.js';
import { isDuplicateKeyError } from '../../database/database-errors.js';
import { MailService } from '../../mail/mail.service.js';
import type { PasskeyCreationOptionsDto } from './dto/passkey-options.dto.js';
import type { PasskeyResponseDto } from './dto/passkey-response.dto.js';
import { PASSKEY_CHALLENGE_LIFETIME_MS, PasskeyChallenges } from './passkey-challenges.js';
import { PasskeyCredentials } from './passkey-credentials.js';
import { challengeOf } from './client-data.js';
import { toCreationOptions, toPasskeyResponse } from './passkey.mapper.js';
import { StepUp } from './step-up.js';
import { webAuthn } from './webauthn-library.js';

export const REGISTRATION_FAILED = 'Passkey registration failed';
export const ALREADY_REGISTERED = 'This passkey is already registered';
export const MAX_PASSKEYS = 20;
export const TOO_MANY_PASSKEYS = `An account has at most ${MAX_PASSKEYS} passkeys: remove one first`;
export const DEFAULT_PASSKEY_NAME = 'Passkey';

/** COSE algorithms offered, most preferred first: ES256, EdDSA, RS256. */
export const PASSKEY_ALGORITHMS = [-7, -8, -257];

/** Adds a passkey to a signed-in account: creation options, then the new credential. */
@Injectable()
export class PasskeyRegistration {
  private readonly logger = new Logger(PasskeyRegistration.name);
  private readonly settings: PasskeysConfig;

  constructor(
    private readonly credentials: PasskeyCredentials,
    private readonly challenges: PasskeyChallenges,
    private readonly stepUp: StepUp,
    private readonly clock: Clock,
    private readonly audit: AuditTrail,
    private readonly mail: MailService,
    config: ConfigService<AppConfig, true>,
  ) {
    this.settings = config.get('passkeys', { infer: true });
  }

  async options(auth: AuthContext, password: string | undefined): Promise<PasskeyCreationOptionsDto> {
    const { user } = auth;
    const existing = await this.credentials.listFor(user._id);
    if (existing.length >= MAX_PASSKEYS) throw new ConflictException(TOO_MANY_PASSKEYS);
    await this.stepUp.confirm(auth, password);
    const handle = await this.credentials.ensureHandle(user._id);
    const { generateRegistrationOptions } = await webAuthn();
    const options = await generateRegistrationOptions({
      rpName: this.settings.rpName,
      rpID: this.settings.rpId,
      userID: Buffer.from(handle, 'base64url'),
      userName: user.email,
      userDisplayName: user.fullName,
      timeout: PASSKEY_CHALLENGE_LIFETIME_MS,
      attestationType: 'none',
      excludeCredentials: existing.map(({ credentialId, transports }) => ({ id: credentialId, transports })),
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      supportedAlgorithmIDs: PASSKEY_ALGORITHMS,
    });
    await this.challenges.issue(options.challenge, 'registration', user._id);
    return toCreationOptions(options);
  }

  /**
   * Checks the new credential against a registration challenge issued to this user (used up first,
   * whatever follows), the allowed origins, the RP ID and user verification, then stores it.
   */
  async register(
    { user }: AuthContext,
    response: RegistrationResponseJSON,
    client: ClientInfo,
    name = DEFAULT_PASSKEY_NAME,
  ): Promise<PasskeyResponseDto> {
    const challenge = challengeOf(response);
    if (!challenge || !(await this.challenges.consume(challenge, 'registration', user._id))) {
      throw this.refused('no registration challenge of ours for this user, or an expired or used one');
    }
    const { verifyRegistrationResponse } = await webAuthn();
    let verified: VerifiedRegistrationResponse;
    try {
      verified = await verifyRegistrationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: this.settings.origins,
        expectedRPID: this.settings.rpId,
        requireUserVerification: true,
        supportedAlgorithmIDs: PASSKEY_ALGORITHMS,
      });
    } catch (error) {
      throw this.refused((error as Error).message);
    }
    if (!verified.verified) throw this.refused('not verified');
    // A credential that is not discoverable could never sign in without an email.
    if (response.clientExtensionResults?.credProps?.rk === false) throw this.refused('not discoverable');
    if ((await this.credentials.count(user._id)) >= MAX_PASSKEYS)
      throw new ConflictException(TOO_MANY_PASSKEYS);
    const info = verified.registrationInfo;
    let passkey;
    try {
      passkey = await this.credentials.insert({
        user: user._id,
        credentialId: info.credential.id,
        publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
        counter: info.credential.counter,
        transports: transportsOf(info.credential.transports),
        deviceType: info.credentialDeviceType,
        backedUp: info.credentialBackedUp,
        aaguid: info.aaguid,
        name,
        createdAt: this.clock.now(),
        lastUsedAt: null,
      });
    } catch (error) {
      if (isDuplicateKeyError(error)) throw new ConflictException(ALREADY_REGISTERED);
      throw error;
    }
    await this.audit.record('passkey.added', { client, userId: user._id });
    void this.mail.sendPasskeyAdded(user, name);
    return toPasskeyResponse(passkey);
  }

  private refused(reason: string): BadRequestException {
    this.logger.warn(`Passkey registration refused: ${reason}`);
    return new BadRequestException(REGISTRATION_FAILED);
  }
}

/** The transports as the client said them: short strings only, whatever else a hand-made body holds. */
function transportsOf(transports: unknown): string[] {
  if (!Array.isArray(transports)) return [];
  return transports
    .filter((transport): transport is string => typeof transport === 'string' && transport.length <= 32)
    .slice(0, 8);
}
