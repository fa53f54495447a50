import { randomBytes } from 'node:crypto';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { isDuplicateKeyError } from '../../database/database-errors.js';
import { SignInMethods } from '../sign-in/sign-in-methods.js';
import { Passkey } from './schemas/passkey.schema.js';
import { PasskeyUser } from './schemas/passkey-user.schema.js';

export type PasskeyRecord = Passkey & { _id: Types.ObjectId };

/** What a verified sign-in changes on its credential. */
export interface PasskeyUse {
  counter: number;
  backedUp: boolean;
  at: Date;
}

/** The passkeys and the WebAuthn user handles: the only code that reads or writes them. */
@Injectable()
export class PasskeyCredentials implements OnModuleInit {
  constructor(
    @InjectModel(Passkey.name) private readonly passkeys: Model<Passkey>,
    @InjectModel(PasskeyUser.name) private readonly handles: Model<PasskeyUser>,
    private readonly methods: SignInMethods,
  ) {}

  /** The unique indexes must exist before two registrations can race. */
  async onModuleInit(): Promise<void> {
    await Promise.all([this.passkeys.init(), this.handles.init()]);
    this.methods.register('passkey', (user) => this.count(user));
  }

  /** The user's handle, made (random, 32 bytes) on first use; concurrent first uses get the same one. */
  async ensureHandle(user: Types.ObjectId): Promise<string> {
    try {
      const found = await this.handles
        .findOneAndUpdate(
          { user },
          { $setOnInsert: { handle: randomBytes(32).toString('base64url') } },
          { upsert: true, returnDocument: 'after' },
        )
        .select('handle')
        .lean<Pick<PasskeyUser, 'handle'>>()
        .exec();
      return found!.handle;
    } catch (error) {
      // Two first uses raced and this upsert lost on the unique index: the winner's handle stands.
      const existing = isDuplicateKeyError(error) ? await this.handleOf(user) : null;
      if (existing === null) throw error;
      return existing;
    }
  }

  async handleOf(user: Types.ObjectId): Promise<string | null> {
    const found = await this.handles
      .findOne({ user })
      .select('handle')
      .lean<Pick<PasskeyUser, 'handle'>>()
      .exec();
    return found?.handle ?? null;
  }

  listFor(user: Types.ObjectId): Promise<PasskeyRecord[]> {
    return this.passkeys.find({ user }).sort({ createdAt: 1, _id: 1 }).lean<PasskeyRecord[]>().exec();
  }

  count(user: Types.ObjectId): Promise<number> {
    return this.passkeys.countDocuments({ user }).exec();
  }

  findOwn(user: Types.ObjectId, id: string): Promise<PasskeyRecord | null> {
    return this.passkeys
      .findOne({ _id: new Types.ObjectId(id), user })
      .lean<PasskeyRecord>()
      .exec();
  }

  findByCredentialId(credentialId: string): Promise<PasskeyRecord | null> {
    return this.passkeys.findOne({ credentialId }).lean<PasskeyRecord>().exec();
  }

  /** Throws the driver's duplicate-key error when the credential id is registered already (by anyone). */
  async insert(passkey: Passkey): Promise<PasskeyRecord> {
    return (await this.passkeys.create(passkey)).toObject<PasskeyRecord>();
  }

  /**
   * Records a sign-in, conditionally on the counter it was checked against: of two sign-ins that
   * raced with the same counter value, one moves it. False for the other.
   */
  async recordUse(passkey: PasskeyRecord, use: PasskeyUse): Promise<boolean> {
    const { matchedCount } = await this.passkeys
      .updateOne(
        { _id: passkey._id, counter: passkey.counter },
        { $set: { counter: use.counter, backedUp: use.backedUp, lastUsedAt: use.at } },
      )
      .exec();
    return matchedCount === 1;
  }

  rename(user: Types.ObjectId, id: string, name: string): Promise<PasskeyRecord | null> {
    return this.passkeys
      .findOneAndUpdate(
        { _id: new Types.ObjectId(id), user },
        { $set: { name } },
        { returnDocument: 'after' },
      )
      .lean<PasskeyRecord>()
      .exec();
  }

  /** True when it was there. */
  async delete(user: Types.ObjectId, id: Types.ObjectId): Promise<boolean> {
    const { deletedCount } = await this.passkeys.deleteOne({ _id: id, user }).exec();
    return deletedCount === 1;
  }

  async deleteForUser(user: Types.ObjectId): Promise<void> {
    await this.passkeys.deleteMany({ user }).exec();
    await this.handles.deleteMany({ user }).exec();
  }
}
