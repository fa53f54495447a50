import { Injectable, OnModuleInit } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { USER_DELETED, type UserDeletedEvent } from '../../common/events/auth.events.js';
import { isDuplicateKeyError } from '../../database/database-errors.js';
import { SignInMethods } from '../sign-in/sign-in-methods.js';
import type { FederatedProviderId } from './providers/sign-in-provider.js';
import { Identity } from './schemas/identity.schema.js';

export type IdentityRecord = Identity & { _id: Types.ObjectId };

/** Which provider account it is: the key an identity is found by. */
export interface IdentityKey {
  provider: FederatedProviderId;
  issuer: string;
  subject: string;
}

/** Why an identity could not be added. */
export type AddIdentityOutcome =
  | { added: true; identity: IdentityRecord }
  /** `owner`: the user the provider account belongs to already; null: the user has another one of that provider. */
  | { added: false; owner: Types.ObjectId | null };

/** The `identities` collection: the provider accounts linked to users. The only code that writes it. */
@Injectable()
export class IdentitiesService implements OnModuleInit {
  constructor(
    @InjectModel(Identity.name) private readonly identities: Model<Identity>,
    methods: SignInMethods,
  ) {
    methods.register('identity', (user) => this.identities.countDocuments({ user }).exec());
  }

  /** The unique indexes must exist before two callbacks can race. */
  async onModuleInit(): Promise<void> {
    await this.identities.init();
  }

  find(key: IdentityKey): Promise<IdentityRecord | null> {
    return this.identities.findOne(key).lean<IdentityRecord>().exec();
  }

  forUser(user: Types.ObjectId): Promise<IdentityRecord[]> {
    return this.identities.find({ user }).sort({ linkedAt: 1 }).lean<IdentityRecord[]>().exec();
  }

  async hasProvider(user: Types.ObjectId, provider: FederatedProviderId): Promise<boolean> {
    return (await this.identities.exists({ user, provider })) !== null;
  }

  /** Links the provider account to `user`, unless a unique index says it is taken (see AddIdentityOutcome). */
  async add(
    key: IdentityKey,
    user: Types.ObjectId,
    email = '',
    linkedAt = new Date(),
  ): Promise<AddIdentityOutcome> {
    try {
      const created = await this.identities.create({ ...key, user, email, linkedAt });
      return { added: true, identity: created.toObject() };
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      return { added: false, owner: (await this.find(key))?.user ?? null };
    }
  }

  /** Keeps the address the provider gave last (shown to the owner only). */
  async noteEmail(identity: IdentityRecord, email: string): Promise<void> {
    if (identity.email === email) return;
    await this.identities.updateOne({ _id: identity._id }, { $set: { email } }).exec();
  }

  /** Removes the user's identity of `provider`; the removed one, or null when there was none. */
  remove(user: Types.ObjectId, provider: FederatedProviderId): Promise<IdentityRecord | null> {
    return this.identities.findOneAndDelete({ user, provider }).lean<IdentityRecord>().exec();
  }

  /** Puts back an identity that remove() took (when it turned out to be the last way to sign in). */
  async restore(identity: IdentityRecord): Promise<void> {
    try {
      await this.identities.create(identity);
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
  }

  /** An identity whose user is gone (an interrupted sign-in, or a deletion that raced it). */
  async removeById(id: Types.ObjectId): Promise<void> {
    await this.identities.deleteOne({ _id: id }).exec();
  }

  /** A deleted account takes its identities with it. */
  @OnEvent(USER_DELETED)
  async removeForDeletedUser({ userId }: UserDeletedEvent): Promise<void> {
    await this.identities.deleteMany({ user: new Types.ObjectId(userId) }).exec();
  }
}
