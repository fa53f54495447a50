import { Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AuthenticationResponseJSON, VerifiedAuthenticationResponse } from '@simplewebauthn/server';
import { Clock } from '../../common/clock.js';
import type { ClientInfo } from '../../common/http/client-info.js';
import type { AppConfig } from '../../config/app-config.js';
import type { PasskeysConfig } from '../../config/passkeys-config.js';
import { UsersService } from '../../users/users.service.js';
import { type SignedInSession, SignInPipeline } from '../sign-in/sign-in.pipeline.js';
import type { PasskeyRequestOptionsDto } from './dto/passkey-options.dto.js';
import { challengeOf } from './client-data.js';
import { PASSKEY_CHALLENGE_LIFETIME_MS, PasskeyChallenges } from './passkey-challenges.js';
import { PasskeyCredentials } from './passkey-credentials.js';
import { toRequestOptions } from './passkey.mapper.js';
import { webAuthn } from './webauthn-library.js';

/** The one answer to every refused passkey sign-in, whatever the reason. */
export const PASSKEY_SIGN_IN_FAILED = 'Passkey sign-in failed';

/**
 * Signing in with a passkey alone: discoverable credentials, so no email is asked and none revealed.
 * User verification is required, so the passkey counts as both factors.
 */
@Injectable()
export class PasskeySignIn {
  private readonly logger = new Logger(PasskeySignIn.name);
  private readonly settings: PasskeysConfig;

  constructor(
    private readonly credentials: PasskeyCredentials,
    private readonly challenges: PasskeyChallenges,
    private readonly users: UsersService,
    private readonly pipeline: SignInPipeline,
    private readonly clock: Clock,
    config: ConfigService<AppConfig, true>,
  ) {
    this.settings = config.get('passkeys', { infer: true });
  }

  async options(): Promise<PasskeyRequestOptionsDto> {
    const { generateAuthenticationOptions } = await webAuthn();
    const options = await generateAuthenticationOptions({
      rpID: this.settings.rpId,
      allowCredentials: [],
      userVerification: 'required',
      timeout: PASSKEY_CHALLENGE_LIFETIME_MS,
    });
    await this.challenges.issue(options.challenge, 'authentication');
    return toRequestOptions(options);
  }

  /**
   * The challenge is used up first, whatever follows. Then the credential must be known, its user
   * handle its owner's, and the assertion signed by its key for one of our origins and our RP ID,
   * with user verification and a counter that moved on.
   */
  async signIn(response: AuthenticationResponseJSON, client: ClientInfo): Promise<SignedInSession> {
    const refused = (reason: string) => this.refused(reason, client);
    const challenge = challengeOf(response);
    if (!challenge || !(await this.challenges.consume(challenge, 'authentication'))) {
      throw refused('no sign-in challenge of ours, or an expired or used one');
    }
    const passkey =
      typeof response.id === 'string' ? await this.credentials.findByCredentialId(response.id) : null;
    if (!passkey) throw refused('unknown credential');
    const handle = await this.credentials.handleOf(passkey.user);
    if (!handle || response.response?.userHandle !== handle) {
      throw refused(`the user handle is not the owner's (passkey ${passkey._id.toHexString()})`);
    }
    const { verifyAuthenticationResponse } = await webAuthn();
    let verified: VerifiedAuthenticationResponse;
    try {
      verified = await verifyAuthenticationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: this.settings.origins,
        expectedRPID: this.settings.rpId,
        credential: {
          id: passkey.credentialId,
          publicKey: Buffer.from(passkey.publicKey, 'base64url'),
          counter: passkey.counter,
          transports: passkey.transports,
        },
        requireUserVerification: true,
      });
    } catch (error) {
      throw refused(`${(error as Error).message} (passkey ${passkey._id.toHexString()})`);
    }
    const { verified: ok, authenticationInfo: info } = verified;
    if (!ok || !info.userVerified) throw refused(`not verified (passkey ${passkey._id.toHexString()})`);
    const use = { counter: info.newCounter, backedUp: info.credentialBackedUp, at: this.clock.now() };
    if (!(await this.credentials.recordUse(passkey, use))) {
      throw refused(`its counter moved meanwhile (passkey ${passkey._id.toHexString()})`);
    }
    const user = await this.users.findById(passkey.user);
    if (!user) throw refused('the account is gone');
    const result = await this.pipeline.complete({
      user,
      client,
      event: 'login.succeeded',
      method: 'passkey',
      secondFactor: { kind: 'first-factor-suffices' },
    });
    if (result.outcome !== 'signed-in') throw new Error('A passkey sign-in was asked for a second factor');
    return result;
  }

  /** Logged, not audited as login.failed: until the signature is checked no account is known. */
  private refused(reason: string, client: ClientInfo): UnauthorizedException {
    this.logger.warn({ msg: `Passkey sign-in refused: ${reason}`, requestId: client.requestId });
    return new UnauthorizedException(PASSKEY_SIGN_IN_FAILED);
  }
}
