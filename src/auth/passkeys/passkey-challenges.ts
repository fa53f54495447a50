import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, trusted, Types } from 'mongoose';
import { Clock } from '../../common/clock.js';
import { secretDigest } from '../../common/crypto/secret-digest.js';
import { type PasskeyCeremony, PasskeyChallenge } from './schemas/passkey-challenge.schema.js';

export const PASSKEY_CHALLENGE_LIFETIME_MS = 5 * 60_000;

/** Challenges of both ceremonies: single use, 5 minutes, tagged with their ceremony (and a registration's user). */
@Injectable()
export class PasskeyChallenges implements OnModuleInit {
  constructor(
    @InjectModel(PasskeyChallenge.name) private readonly challenges: Model<PasskeyChallenge>,
    private readonly clock: Clock,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.challenges.init();
  }

  /** Keeps `challenge` (the base64url string of the options) until it is presented or expires. */
  async issue(challenge: string, ceremony: PasskeyCeremony, user?: Types.ObjectId): Promise<void> {
    const now = this.clock.now();
    // The embedded server has no TTL index: expired challenges go as new ones come.
    await this.challenges.deleteMany({ expiresAt: trusted({ $lte: now }) }).exec();
    await this.challenges.create({
      challengeHash: secretDigest(challenge),
      ceremony,
      user,
      expiresAt: new Date(now.getTime() + PASSKEY_CHALLENGE_LIFETIME_MS),
    });
  }

  /**
   * Uses the challenge up, atomically, before anything else is checked: true when it was ours, of
   * this ceremony (and user), and not expired. A challenge presented in another ceremony stays.
   */
  async consume(challenge: string, ceremony: PasskeyCeremony, user?: Types.ObjectId): Promise<boolean> {
    const found = await this.challenges
      .findOneAndDelete({
        challengeHash: secretDigest(challenge),
        ceremony,
        ...(user && { user }),
        expiresAt: trusted({ $gt: this.clock.now() }),
      })
      .select('_id')
      .lean()
      .exec();
    return found !== null;
  }

  async deleteForUser(user: Types.ObjectId): Promise<void> {
    await this.challenges.deleteMany({ user }).exec();
  }
}
