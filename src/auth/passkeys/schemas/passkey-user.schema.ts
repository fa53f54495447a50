import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

/**
 * The WebAuthn user handle of an account: random bytes, the same for each of its passkeys, so that
 * an authenticator keeps one passkey per account and a sign-in names its account without revealing
 * the email or the database id. Made with the first registration options; deleted with the account.
 */
@Schema({ collection: 'passkey_users', versionKey: false })
export class PasskeyUser {
  @Prop({ type: Types.ObjectId, required: true })
  user: Types.ObjectId;

  /** base64url, as `user.id` of the creation options and `userHandle` of a sign-in carry it. */
  @Prop({ required: true })
  handle: string;
}

export const PasskeyUserSchema = SchemaFactory.createForClass(PasskeyUser);
PasskeyUserSchema.index({ user: 1 }, { unique: true });
PasskeyUserSchema.index({ handle: 1 }, { unique: true });
