import { randomBytes } from 'node:crypto';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, trusted, Types } from 'mongoose';
import type { SignInMethod } from '../../audit/security-event.js';
import { Clock } from '../../common/clock.js';
import { secretDigest } from '../../common/crypto/secret-digest.js';
import { TwoFactorChallenge } from './schemas/two-factor-challenge.schema.js';

export const CHALLENGE_LIFETIME_MS = 5 * 60_000;
/** Answers a challenge takes, right or wrong; then it is dead, even for the right code. */
export const CHALLENGE_MAX_ATTEMPTS = 5;

/** What the person who proved the first factor gets: an opaque token that authenticates nothing else. */
export interface IssuedChallenge {
  token: string;
  expiresAt: Date;
}

export type ChallengeRecord = Pick<TwoFactorChallenge, 'user' | 'passwordVersion' | 'method'> & {
  _id: Types.ObjectId;
};

/** Sign-ins waiting for their second factor: single use, short-lived, a few answers each. */
@Injectable()
export class TwoFactorChallenges implements OnModuleInit {
  constructor(
    @InjectModel(TwoFactorChallenge.name) private readonly challenges: Model<TwoFactorChallenge>,
    private readonly clock: Clock,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.challenges.init();
  }

  async create(
    user: Types.ObjectId,
    { passwordVersion, method }: { passwordVersion?: number; method: SignInMethod },
  ): Promise<IssuedChallenge> {
    const now = this.clock.now();
    // The embedded server has no TTL index: expired challenges go as new ones come.
    await this.challenges.deleteMany({ expiresAt: trusted({ $lte: now }) }).exec();
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + CHALLENGE_LIFETIME_MS);
    await this.challenges.create({
      tokenHash: secretDigest(token),
      user,
      passwordVersion,
      method,
      expiresAt,
      attempts: 0,
    });
    return { token, expiresAt };
  }

  /**
   * Counts one answer, atomically, before it is checked, so concurrent answers cannot exceed the
   * limit. The challenge, or null when it is unknown, expired, used, or out of answers.
   */
  claimAttempt(token: string): Promise<ChallengeRecord | null> {
    return this.challenges
      .findOneAndUpdate(
        {
          tokenHash: secretDigest(token),
          expiresAt: trusted({ $gt: this.clock.now() }),
          attempts: trusted({ $lt: CHALLENGE_MAX_ATTEMPTS }),
        },
        { $inc: { attempts: 1 } },
        { returnDocument: 'after' },
      )
      .select('user passwordVersion method')
      .lean<ChallengeRecord>()
      .exec();
  }

  /** Uses the challenge up; false when a concurrent answer already did. */
  async consume(id: Types.ObjectId): Promise<boolean> {
    return (await this.challenges.findOneAndDelete({ _id: id }).select('_id').lean().exec()) !== null;
  }

  async deleteForUser(user: Types.ObjectId): Promise<void> {
    await this.challenges.deleteMany({ user }).exec();
  }
}
