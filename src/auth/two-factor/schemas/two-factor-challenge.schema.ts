import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';
import type { SignInMethod } from '../../../audit/security-event.js';

/**
 * A sign-in that proved the password and waits for the second factor. Kept in the database, so any
 * instance can finish it; only the SHA-256 of its token is stored. Deleted when answered.
 */
@Schema({ collection: 'twofactor_challenges', versionKey: false })
export class TwoFactorChallenge {
  @Prop({ required: true })
  tokenHash: string;

  @Prop({ type: Types.ObjectId, required: true })
  user: Types.ObjectId;

  /** The password version the first factor was checked against: a reset meanwhile voids the challenge. */
  @Prop({ type: Number })
  passwordVersion?: number;

  /** The first factor, recorded with the sign-in once the second is shown. Absent on older ones: a password. */
  @Prop({ type: String })
  method?: SignInMethod;

  @Prop({ required: true })
  expiresAt: Date;

  /** Answers tried, right or wrong; counted before each is checked. */
  @Prop({ required: true, default: 0 })
  attempts: number;
}

export const TwoFactorChallengeSchema = SchemaFactory.createForClass(TwoFactorChallenge);
TwoFactorChallengeSchema.index({ tokenHash: 1 }, { unique: true });
TwoFactorChallengeSchema.index({ user: 1 });
// Cleanup aid on real MongoDB; expiry is always checked in code, and expired ones go as new ones come.
TwoFactorChallengeSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });
