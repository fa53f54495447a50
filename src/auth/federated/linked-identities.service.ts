import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import type { ClientInfo } from '../../common/http/client-info.js';
import { AuditTrail } from '../../audit/audit-trail.service.js';
import type { UserRecord } from '../../common/auth-context.js';
import { MailService } from '../../mail/mail.service.js';
import { SignInMethods } from '../sign-in/sign-in-methods.js';
import type { IdentityResponseDto } from './dto/identity-response.dto.js';
import { IdentitiesService } from './identities.service.js';
import { toIdentityResponse } from './identity.mapper.js';
import { isFederatedProviderId } from './providers/sign-in-provider.js';
import { SignInProviders } from './providers/sign-in-providers.js';

export const IDENTITY_NOT_LINKED = 'No sign-in of this provider is linked to this account';
export const LAST_SIGN_IN_METHOD =
  'This is the last way to sign in to this account: set a password (forgot-password) or link another sign-in first';

/** The signed-in user's own provider accounts: list them, remove one. */
@Injectable()
export class LinkedIdentities {
  constructor(
    private readonly identities: IdentitiesService,
    private readonly methods: SignInMethods,
    private readonly providers: SignInProviders,
    private readonly audit: AuditTrail,
    private readonly mail: MailService,
  ) {}

  async list(user: UserRecord): Promise<IdentityResponseDto[]> {
    return (await this.identities.forUser(user._id)).map(toIdentityResponse);
  }

  /**
   * Removes the identity of `provider`; 409 when the account would have no way left to sign in (no
   * password, no other identity, no passkey). Checked again after the removal, which may have raced
   * the removal of another method: the identity then comes back.
   */
  async unlink(user: UserRecord, provider: string, client: ClientInfo): Promise<void> {
    if (!isFederatedProviderId(provider)) throw new NotFoundException(IDENTITY_NOT_LINKED);
    if (!(await this.identities.hasProvider(user._id, provider)))
      throw new NotFoundException(IDENTITY_NOT_LINKED);
    if (!(await this.methods.hasAnotherThan(user._id, 'identity')))
      throw new ConflictException(LAST_SIGN_IN_METHOD);
    const removed = await this.identities.remove(user._id, provider);
    if (!removed) throw new NotFoundException(IDENTITY_NOT_LINKED);
    if (!(await this.methods.hasAny(user._id))) {
      await this.identities.restore(removed);
      throw new ConflictException(LAST_SIGN_IN_METHOD);
    }
    await this.audit.record('identity.unlinked', { client, userId: user._id, method: provider });
    const name = this.providers.find(provider)?.name ?? provider;
    void this.mail.sendSignInMethodRemoved(user, name);
  }
}
