import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

/**
 * A user's authenticator-app factor: pending from setup until a first code enables it. Deleted when
 * it is disabled, and with the account.
 */
@Schema({ collection: 'twofactors', timestamps: true })
export class TwoFactor {
  @Prop({ type: Types.ObjectId, required: true })
  user: Types.ObjectId;

  /** The TOTP secret, sealed by TwoFactorSecretBox: never stored in the clear. */
  @Prop({ required: true })
  secret: string;

  @Prop({ required: true, default: false })
  enabled: boolean;

  /**
   * The last TOTP time step accepted (from the code that enabled it on): a code of this step or an
   * earlier one is refused, so each code works once. Moved only by a conditional update.
   */
  @Prop({ type: Number })
  lastUsedStep?: number;

  /** The SHA-256 of each unused recovery code; a used one is pulled out. */
  @Prop({ type: [String], default: [] })
  recoveryCodes: string[];
}

export const TwoFactorSchema = SchemaFactory.createForClass(TwoFactor);
// One factor per user: a setup racing an enable cannot create a second one.
TwoFactorSchema.index({ user: 1 }, { unique: true });
