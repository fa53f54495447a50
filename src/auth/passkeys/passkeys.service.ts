import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import type { ClientInfo } from '../../common/http/client-info.js';
import { OnEvent } from '@nestjs/event-emitter';
import { Types } from 'mongoose';
import { AuditTrail } from '../../audit/audit-trail.service.js';
import type { AuthContext } from '../../common/auth-context.js';
import { USER_DELETED, type UserDeletedEvent } from '../../common/events/auth.events.js';
import { MailService } from '../../mail/mail.service.js';
import { SignInMethods } from '../sign-in/sign-in-methods.js';
import type { PasskeyResponseDto } from './dto/passkey-response.dto.js';
import { PasskeyChallenges } from './passkey-challenges.js';
import { PasskeyCredentials } from './passkey-credentials.js';
import { toPasskeyResponse } from './passkey.mapper.js';
import { StepUp } from './step-up.js';

export const PASSKEY_NOT_FOUND = 'Passkey not found';
export const LAST_SIGN_IN_METHOD =
  'This passkey is the only way left to sign in to this account: add another first';

/** The signed-in user's own passkeys: list, rename, remove. */
@Injectable()
export class PasskeysService {
  constructor(
    private readonly credentials: PasskeyCredentials,
    private readonly challenges: PasskeyChallenges,
    private readonly methods: SignInMethods,
    private readonly stepUp: StepUp,
    private readonly audit: AuditTrail,
    private readonly mail: MailService,
  ) {}

  async list(user: Types.ObjectId): Promise<PasskeyResponseDto[]> {
    return (await this.credentials.listFor(user)).map(toPasskeyResponse);
  }

  async rename(user: Types.ObjectId, id: string, name: string): Promise<PasskeyResponseDto> {
    const renamed = await this.credentials.rename(user, id, name);
    if (!renamed) throw new NotFoundException(PASSKEY_NOT_FOUND);
    return toPasskeyResponse(renamed);
  }

  /** After the step-up, unless it is the account's last way to sign in. */
  async remove(
    auth: AuthContext,
    id: string,
    password: string | undefined,
    client: ClientInfo,
  ): Promise<void> {
    const { user } = auth;
    const passkey = await this.credentials.findOwn(user._id, id);
    if (!passkey) throw new NotFoundException(PASSKEY_NOT_FOUND);
    if (!(await this.methods.hasAnotherThan(user._id, 'passkey'))) {
      throw new ConflictException(LAST_SIGN_IN_METHOD);
    }
    await this.stepUp.confirm(auth, password);
    if (!(await this.credentials.delete(user._id, passkey._id)))
      throw new NotFoundException(PASSKEY_NOT_FOUND);
    await this.audit.record('passkey.removed', { client, userId: user._id });
    void this.mail.sendPasskeyRemoved(user, passkey.name);
  }

  /** A deleted account takes its passkeys, its user handle and its pending registrations with it. */
  @OnEvent(USER_DELETED)
  async removeForDeletedUser({ userId }: UserDeletedEvent): Promise<void> {
    const user = new Types.ObjectId(userId);
    await this.credentials.deleteForUser(user);
    await this.challenges.deleteForUser(user);
  }
}
