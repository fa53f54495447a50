import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

export const PASSKEY_CEREMONIES = ['registration', 'authentication'] as const;
export type PasskeyCeremony = (typeof PASSKEY_CEREMONIES)[number];

/**
 * A challenge handed out with creation or request options, waiting for the authenticator's answer.
 * Kept in the database, so any instance can finish a ceremony another started; only its SHA-256 is
 * stored. Deleted when presented, whatever the outcome.
 */
@Schema({ collection: 'passkey_challenges', versionKey: false })
export class PasskeyChallenge {
  @Prop({ required: true })
  challengeHash: string;

  @Prop({ type: String, required: true, enum: PASSKEY_CEREMONIES })
  ceremony: PasskeyCeremony;

  /** For a registration: the signed-in user it was issued to. A sign-in's names nobody. */
  @Prop({ type: Types.ObjectId })
  user?: Types.ObjectId;

  @Prop({ required: true })
  expiresAt: Date;
}

export const PasskeyChallengeSchema = SchemaFactory.createForClass(PasskeyChallenge);
PasskeyChallengeSchema.index({ challengeHash: 1 }, { unique: true });
PasskeyChallengeSchema.index({ user: 1 });
// Cleanup aid on real MongoDB; expiry is always checked in code, and expired ones go as new ones come.
PasskeyChallengeSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });
