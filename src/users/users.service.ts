import { ConflictException, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, trusted, Types } from 'mongoose';
import { AUTH_CACHE_TTL_MS } from '../redis/expiring-cache.js';
import type { SharedCache } from '../redis/shared-cache.js';
import { isDuplicateKeyError } from '../database/database-errors.js';
import { CacheInvalidationBus } from '../redis/cache-invalidation.bus.js';
import type { UserRecord } from '../common/auth-context.js';
import { User } from './schemas/user.schema.js';
import type { PublicProfileRecord } from './user.mapper.js';

const PUBLIC_FIELDS = 'email fullName profilePic emailVerified createdAt updatedAt';
/** What others may see of a user (toPublicProfile): nothing else is even read. */
const PROFILE_FIELDS = 'fullName profilePic';

@Injectable()
export class UsersService implements OnModuleInit {
  /** Users by id; every write below clears every instance's copy. */
  private readonly cache: SharedCache<UserRecord>;

  constructor(
    @InjectModel(User.name) private readonly users: Model<User>,
    invalidation: CacheInvalidationBus,
  ) {
    this.cache = invalidation.createCache<UserRecord>('users', AUTH_CACHE_TTL_MS);
  }

  /**
   * Accounts written by the reference backend may keep upper-case letters in their email, which our
   * lower-case lookups and unique index would miss. Checked once at boot: we only ever store lower case.
   */
  private hasMixedCaseEmails = false;

  /** The unique email index must exist before the first signup can race another. */
  async onModuleInit(): Promise<void> {
    await this.users.init();
    this.hasMixedCaseEmails = (await this.users.exists({ email: trusted({ $regex: '[A-Z]' }) })) !== null;
  }

  async create(fields: { email: string; fullName: string; passwordHash: string }): Promise<UserRecord> {
    if (this.hasMixedCaseEmails && (await this.users.exists(sameEmail(fields.email))) !== null) {
      throw new ConflictException('Email already exists');
    }
    try {
      const user = await this.users.create({
        email: fields.email,
        fullName: fields.fullName,
        password: fields.passwordHash,
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

  /** The account that owns `email`, or null (legacy mixed-case emails included). */
  async findByEmail(email: string): Promise<UserRecord | null> {
    return (await this.findByEmailWithPassword(email))?.user ?? null;
  }

  /** Whether some account uses `email`. */
  async isEmailTaken(email: string): Promise<boolean> {
    return (await this.users.exists(this.hasMixedCaseEmails ? sameEmail(email) : { email })) !== null;
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

  async findByEmailWithPassword(
    email: string,
  ): Promise<{ user: UserRecord; passwordHash: string; passwordVersion: number } | null> {
    const query = (filter: object) =>
      this.users
        .findOne(filter)
        .select(`${PUBLIC_FIELDS} password passwordVersion`)
        .lean<UserRecord & { password: string; passwordVersion?: number }>()
        .exec();
    const found =
      (await query({ email })) ?? (this.hasMixedCaseEmails ? await query(sameEmail(email)) : null);
    if (!found) return null;
    const { password, passwordVersion, ...user } = found;
    return { user, passwordHash: password, passwordVersion: passwordVersion ?? 0 };
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

  async getPasswordHash(id: Types.ObjectId): Promise<string | null> {
    const found = await this.users.findById(id).select('password').lean<{ password: string }>().exec();
    return found?.password ?? null;
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

/** Matches `email` whatever the case of the stored value (legacy accounts only; not index-friendly). */
function sameEmail(email: string): object {
  const escaped = email.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return { email: trusted({ $regex: `^${escaped}$`, $options: 'i' }) };
}
