import {
  ConflictException,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, trusted, Types } from 'mongoose';
import { AUTH_CACHE_TTL_MS } from '../redis/expiring-cache.js';
import type { SharedCache } from '../redis/shared-cache.js';
import { normalisedEmail } from '../common/validation/transforms.js';
import { isDuplicateKeyError } from '../database/database-errors.js';
import { CacheInvalidationBus } from '../redis/cache-invalidation.bus.js';
import type { UserRecord } from '../common/auth-context.js';
import { User } from './schemas/user.schema.js';
import type { PublicProfileRecord } from './user.mapper.js';

const PUBLIC_FIELDS = 'email fullName profilePic emailVerified twoFactorEnabled createdAt updatedAt';
/** What others may see of a user (toPublicProfile): nothing else is even read. */
const PROFILE_FIELDS = 'fullName profilePic';
/**
 * What may differ from its normalised form: upper-case ASCII, surrounding space, and anything
 * non-ASCII (upper-case or decomposed letters). Only these are read at start-up.
 */
const MAYBE_NOT_NORMALISED = '[A-Z]|[^\\x00-\\x7F]|^\\s|\\s$';
/** Ids named in the collision warning; the count is always complete. */
const COLLISIONS_NAMED = 50;

export interface EmailNormalisationReport {
  /** Legacy accounts whose address was rewritten to its normalised form. */
  normalised: number;
  /** Legacy accounts left as they were: another account has, or would get, the same address. */
  collisions: Types.ObjectId[];
}

@Injectable()
export class UsersService implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger(UsersService.name);
  /** Users by id; every write below clears every instance's copy. */
  private readonly cache: SharedCache<UserRecord>;

  constructor(
    @InjectModel(User.name) private readonly users: Model<User>,
    invalidation: CacheInvalidationBus,
  ) {
    this.cache = invalidation.createCache<UserRecord>('users', AUTH_CACHE_TTL_MS);
  }

  /** The unique email index must exist before the first signup can race another. */
  async onModuleInit(): Promise<void> {
    await this.users.init();
  }

  /** After every module's init (the unique index exists), before any request is served. */
  async onApplicationBootstrap(): Promise<void> {
    const { normalised, collisions } = await this.normaliseLegacyEmails();
    if (normalised > 0) {
      this.logger.log(`Normalised the email address of ${normalised} legacy accounts (trimmed, lower case)`);
    }
    if (collisions.length > 0) {
      const ids = collisions.slice(0, COLLISIONS_NAMED).map((id) => id.toHexString());
      const more =
        collisions.length > COLLISIONS_NAMED ? ` and ${collisions.length - COLLISIONS_NAMED} more` : '';
      this.logger.warn(
        `${collisions.length} legacy accounts keep their email address as stored: in lower case it is ` +
          `another account's address. They cannot sign in until one of the addresses is changed ` +
          `(accounts are never merged). User ids: ${ids.join(', ')}${more}`,
      );
    }
  }

  /**
   * The reference backend stored addresses as typed, and lookups here are exact matches on the
   * normalised address (trimmed, NFC, lower case). Rewrites every legacy address to that form once,
   * unless another account has or would get the same one: those are left untouched and reported,
   * never merged.
   */
  async normaliseLegacyEmails(): Promise<EmailNormalisationReport> {
    // The driver's collection, not the model: the schema's lowercase/trim setters would rewrite the
    // legacy value in the filter, which would then no longer match the stored document.
    const collection = this.users.collection;
    const candidates = await collection
      .find({ email: { $regex: MAYBE_NOT_NORMALISED } }, { projection: { email: 1 } })
      .toArray();
    const byAddress = new Map<string, Array<{ _id: Types.ObjectId; email: string }>>();
    for (const { _id, email } of candidates as Array<{ _id: Types.ObjectId; email: unknown }>) {
      if (typeof email !== 'string' || normalisedEmail(email) === email) continue;
      const address = normalisedEmail(email);
      byAddress.set(address, [...(byAddress.get(address) ?? []), { _id, email }]);
    }

    const report: EmailNormalisationReport = { normalised: 0, collisions: [] };
    for (const [address, accounts] of byAddress) {
      // Legacy accounts that differ only in case: neither is preferred.
      if (accounts.length > 1) {
        report.collisions.push(...accounts.map((account) => account._id));
        continue;
      }
      const [{ _id, email }] = accounts;
      try {
        // Only if unchanged: another instance starting at the same time may have done it already.
        const { modifiedCount } = await collection.updateOne({ _id, email }, { $set: { email: address } });
        report.normalised += modifiedCount;
        await this.cache.delete(_id.toHexString());
      } catch (error) {
        // The unique index: an account already has the normalised address.
        if (!isDuplicateKeyError(error)) throw error;
        report.collisions.push(_id);
      }
    }
    return report;
  }

  /**
   * A new account. Without `passwordHash` it has no password (created by a sign-in provider, which
   * also vouches for the address: `emailVerified`).
   */
  async create(fields: {
    email: string;
    fullName: string;
    passwordHash?: string;
    emailVerified?: boolean;
  }): Promise<UserRecord> {
    try {
      const user = await this.users.create({
        email: fields.email,
        fullName: fields.fullName,
        password: fields.passwordHash,
        emailVerified: fields.emailVerified ?? false,
      });
      return user.toObject();
    } catch (error) {
      if (isDuplicateKeyError(error)) throw new ConflictException('Email already exists');
      throw error;
    }
  }

  findById(id: Types.ObjectId | string): Promise<UserRecord | null> {
    return this.users.findById(id).select(PUBLIC_FIELDS).lean<UserRecord>().exec();
  }

  /** The public profiles of these users (those that still exist), in no particular order. */
  findProfilesByIds(ids: Types.ObjectId[]): Promise<PublicProfileRecord[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.users
      .find({ _id: trusted({ $in: ids }) })
      .select(PROFILE_FIELDS)
      .lean<PublicProfileRecord[]>()
      .exec();
  }

  /** Public profiles by name (then id), without `excluded`: the chat sidebar after the recent conversations. */
  listProfilesByName(excluded: Types.ObjectId[], limit: number): Promise<PublicProfileRecord[]> {
    return this.users
      .find({ _id: trusted({ $nin: excluded }) })
      .sort({ fullName: 1, _id: 1 })
      .limit(limit)
      .select(PROFILE_FIELDS)
      .lean<PublicProfileRecord[]>()
      .exec();
  }

  /** findById for the per-request session check; every write below clears the entry. */
  findByIdCached(id: string): Promise<UserRecord | null> {
    return this.cache.getOrLoad(id, () => this.findById(id));
  }

  /** The user in memory, or undefined when findByIdCached() has to load it. */
  findInMemory(id: string): UserRecord | undefined {
    return this.cache.peek(id);
  }

  /**
   * The account that owns `email` (normalised), or null. An exact match on the unique index only:
   * legacy addresses are normalised at start-up (LegacyEmailNormaliser), never matched by case here.
   */
  async findByEmail(email: string): Promise<UserRecord | null> {
    return (await this.findByEmailWithPassword(email))?.user ?? null;
  }

  /** Whether some account uses `email`. */
  async isEmailTaken(email: string): Promise<boolean> {
    return (await this.users.exists({ email })) !== null;
  }

  /** Marks the address verified if it is still the user's; null when it is not (changed meanwhile). */
  markEmailVerified(id: Types.ObjectId, email: string): Promise<UserRecord | null> {
    return this.updateWhileEmailIs(id, email, { emailVerified: true });
  }

  /**
   * Moves the account to `newEmail`, verified by the link that brought the user here, if its address
   * is still `currentEmail`. 409 when another account took `newEmail` meanwhile.
   */
  async changeEmail(id: Types.ObjectId, currentEmail: string, newEmail: string): Promise<UserRecord | null> {
    if (await this.isEmailTaken(newEmail)) throw new ConflictException('Email already exists');
    try {
      return await this.updateWhileEmailIs(id, currentEmail, { email: newEmail, emailVerified: true });
    } catch (error) {
      if (isDuplicateKeyError(error)) throw new ConflictException('Email already exists');
      throw error;
    }
  }

  private async updateWhileEmailIs(
    id: Types.ObjectId,
    email: string,
    fields: Partial<Pick<User, 'email' | 'emailVerified'>>,
  ): Promise<UserRecord | null> {
    const user = await this.users
      .findOneAndUpdate({ _id: id, email }, { $set: fields }, { returnDocument: 'after' })
      .select(PUBLIC_FIELDS)
      .lean<UserRecord>()
      .exec();
    await this.cache.delete(id.toHexString());
    return user;
  }

  /** `passwordHash` null: an account without a password (see User.password). */
  async findByEmailWithPassword(
    email: string,
  ): Promise<{ user: UserRecord; passwordHash: string | null; passwordVersion: number } | null> {
    const found = await this.users
      .findOne({ email })
      .select(`${PUBLIC_FIELDS} password passwordVersion`)
      .lean<UserRecord & { password?: string | null; passwordVersion?: number }>()
      .exec();
    if (!found) return null;
    const { password, passwordVersion, ...user } = found;
    return { user, passwordHash: password || null, passwordVersion: passwordVersion ?? 0 };
  }

  /** See User.passwordVersion; null when the user no longer exists. */
  async getPasswordVersion(id: Types.ObjectId): Promise<number | null> {
    const found = await this.users
      .findById(id)
      .select('passwordVersion')
      .lean<{ passwordVersion?: number }>()
      .exec();
    return found ? (found.passwordVersion ?? 0) : null;
  }

  /** null: no such user, or one without a password. */
  async getPasswordHash(id: Types.ObjectId): Promise<string | null> {
    const found = await this.users.findById(id).select('password').lean<{ password?: string }>().exec();
    return found?.password || null;
  }

  async setPasswordHash(id: Types.ObjectId, passwordHash: string): Promise<void> {
    await this.users
      .updateOne({ _id: id }, { $set: { password: passwordHash }, $inc: { passwordVersion: 1 } })
      .exec();
    await this.cache.delete(id.toHexString());
  }

  /** Swaps the hash only if it is still `oldHash`, so a password changed meanwhile is not overwritten. */
  async replacePasswordHash(id: Types.ObjectId, oldHash: string, passwordHash: string): Promise<void> {
    await this.users.updateOne({ _id: id, password: oldHash }, { $set: { password: passwordHash } }).exec();
  }

  /** The copy of the two-factor state shown in user responses (see User.twoFactorEnabled). */
  async setTwoFactorEnabled(id: Types.ObjectId, enabled: boolean): Promise<void> {
    await this.users.updateOne({ _id: id }, { $set: { twoFactorEnabled: enabled } }).exec();
    await this.cache.delete(id.toHexString());
  }

  async updateProfile(id: Types.ObjectId, fields: { fullName: string }): Promise<UserRecord | null> {
    const user = await this.users
      .findByIdAndUpdate(id, { $set: { fullName: fields.fullName } }, { returnDocument: 'after' })
      .select(PUBLIC_FIELDS)
      .lean<UserRecord>()
      .exec();
    await this.cache.delete(id.toHexString());
    return user;
  }

  /** Points the user at a new stored picture; returns the user and the key of the picture it replaced. */
  async setProfilePicture(
    id: Types.ObjectId,
    picture: { url: string; key: string },
  ): Promise<{ user: UserRecord; previousKey: string | null } | null> {
    const updatedAt = new Date();
    const before = await this.users
      .findByIdAndUpdate(
        id,
        { $set: { profilePic: picture.url, profilePicKey: picture.key, updatedAt } },
        { returnDocument: 'before', timestamps: false },
      )
      .select(`${PUBLIC_FIELDS} profilePicKey`)
      .lean<UserRecord & { profilePicKey?: string | null }>()
      .exec();
    await this.cache.delete(id.toHexString());
    if (!before) return null;
    const { profilePicKey, ...user } = before;
    return {
      user: { ...user, profilePic: picture.url, updatedAt },
      previousKey: profilePicKey ?? null,
    };
  }

  /** Deletes the account; returns the key of its stored picture, if any, for the caller to remove. */
  async delete(id: Types.ObjectId): Promise<{ profilePicKey: string | null } | null> {
    const deleted = await this.users
      .findByIdAndDelete(id)
      .select('profilePicKey')
      .lean<{ profilePicKey?: string | null }>()
      .exec();
    await this.cache.delete(id.toHexString());
    return deleted ? { profilePicKey: deleted.profilePicKey ?? null } : null;
  }
}
