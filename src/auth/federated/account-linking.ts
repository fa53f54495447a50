import { ConflictException, Injectable } from '@nestjs/common';
import type { ClientInfo } from '../../common/http/client-info.js';
import { AuditTrail } from '../../audit/audit-trail.service.js';
import type { UserRecord } from '../../common/auth-context.js';
import { MailService } from '../../mail/mail.service.js';
import { UsersService } from '../../users/users.service.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { FederatedSignInError } from './federated-errors.js';
import type { Flow } from './flow-cookie.js';
import { IdentitiesService, type IdentityKey } from './identities.service.js';
import type { ProviderProfile, SignInProvider } from './providers/sign-in-provider.js';

/** Longest `fullName` (the users schema's limit). */
const FULL_NAME_MAX = 100;
/** Tries at resolving an account when a concurrent callback took the identity or the address meanwhile. */
const RESOLVE_ATTEMPTS = 3;

/**
 * Which account a provider account signs in to, or joins: the rules that keep a provider from handing
 * over an account whose address someone merely typed (pre-account-takeover).
 */
@Injectable()
export class AccountLinking {
  constructor(
    private readonly identities: IdentitiesService,
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly audit: AuditTrail,
    private readonly mail: MailService,
  ) {}

  /**
   * 1. A known identity signs its user in, whatever the address says today.
   * 2. An unknown one with a verified address nobody uses makes a new account (no password).
   * 3. An unknown one with a verified address whose account verified it too joins that account; its
   *    owner is told by mail.
   * 4. An account whose own address was never verified is refused (`email_in_use`): whoever
   *    registered the address first need not own it, and would share the account.
   * 5. No address, or one the provider has not verified: `email_not_verified`.
   */
  async accountFor(
    provider: SignInProvider,
    profile: ProviderProfile,
    client: ClientInfo,
    attempt = 1,
  ): Promise<{ user: UserRecord; created: boolean }> {
    if (attempt > RESOLVE_ATTEMPTS) {
      throw new Error(`${provider.id}: the account kept changing under ${RESOLVE_ATTEMPTS} attempts`);
    }
    const retry = () => this.accountFor(provider, profile, client, attempt + 1);
    const key = keyOf(provider, profile);
    const known = await this.identities.find(key);
    if (known) {
      const user = await this.users.findById(known.user);
      if (user) {
        if (profile.email) await this.identities.noteEmail(known, profile.email);
        return { user, created: false };
      }
      await this.identities.removeById(known._id);
    }
    const { email } = profile;
    if (!email || !profile.emailVerified) {
      throw new FederatedSignInError('email_not_verified', `${provider.id} gave no verified address`);
    }
    const existing = await this.users.findByEmail(email);
    if (existing) {
      if (!existing.emailVerified) {
        throw new FederatedSignInError('email_in_use', 'the account of that address never verified it');
      }
      const added = await this.identities.add(key, existing._id, email);
      if (!added.added) {
        if (added.owner === null) {
          throw new FederatedSignInError(
            'identity_in_use',
            `that account has another ${provider.id} identity`,
          );
        }
        return retry();
      }
      await this.announceLinked(existing, provider, client);
      return { user: existing, created: false };
    }
    let user: UserRecord;
    try {
      user = await this.users.create({ email, fullName: fullNameOf(profile, email), emailVerified: true });
    } catch (error) {
      // The address was taken meanwhile (a signup, or this person's other tab).
      if (error instanceof ConflictException) return retry();
      throw error;
    }
    const added = await this.identities.add(key, user._id, email);
    if (!added.added) {
      // A concurrent callback of the same person linked it first: theirs is the account.
      await this.users.delete(user._id);
      return retry();
    }
    return { user, created: true };
  }

  /** A link asked for by a signed-in user: the provider account joins them, whatever its address. */
  async link(
    provider: SignInProvider,
    profile: ProviderProfile,
    link: NonNullable<Flow['link']>,
    client: ClientInfo,
  ): Promise<void> {
    const session = await this.sessions.findActive(link.session, link.user);
    const user = session && (await this.users.findById(session.user));
    if (!user)
      throw new FederatedSignInError('invalid_state', 'the session that asked for the link has ended');
    const added = await this.identities.add(keyOf(provider, profile), user._id, profile.email ?? '');
    if (added.added) return this.announceLinked(user, provider, client);
    if (!added.owner?.equals(user._id)) {
      throw new FederatedSignInError(
        'identity_in_use',
        `that ${provider.id} account belongs to another user`,
      );
    }
  }

  private async announceLinked(
    user: UserRecord,
    provider: SignInProvider,
    client: ClientInfo,
  ): Promise<void> {
    await this.audit.record('identity.linked', { client, userId: user._id, method: provider.id });
    void this.mail.sendSignInMethodAdded(user, provider.name);
  }
}

function keyOf(provider: SignInProvider, profile: ProviderProfile): IdentityKey {
  return { provider: provider.id, issuer: profile.issuer, subject: profile.subject };
}

function fullNameOf(profile: ProviderProfile, email: string): string {
  const name = profile.name?.trim().slice(0, FULL_NAME_MAX).trim();
  return name || email.split('@')[0].slice(0, FULL_NAME_MAX);
}
