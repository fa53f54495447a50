import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

export const EMAIL_TOKEN_PURPOSES = ['password-reset', 'email-verification', 'email-change'] as const;
export type EmailTokenPurpose = (typeof EMAIL_TOKEN_PURPOSES)[number];

/** A link sent by email. Only the SHA-256 of its token is kept: a database leak opens no account. */
@Schema({ collection: 'email_tokens' })
export class EmailToken {
  @Prop({ type: Types.ObjectId, required: true })
  user: Types.ObjectId;

  @Prop({ type: String, required: true, enum: EMAIL_TOKEN_PURPOSES })
  purpose: EmailTokenPurpose;

  @Prop({ required: true })
  tokenHash: string;

  /** The address the link was sent for; the token is void once the account's address differs. */
  @Prop({ required: true })
  email: string;

  /** For an email change: the address to move to. */
  @Prop({ type: String, default: null })
  newEmail: string | null;

  @Prop({ required: true })
  expiresAt: Date;
}

export const EmailTokenSchema = SchemaFactory.createForClass(EmailToken);
// One live token per user and purpose: a new request replaces the older link.
EmailTokenSchema.index({ user: 1, purpose: 1 }, { unique: true });
EmailTokenSchema.index({ tokenHash: 1 }, { unique: true });
// Cleanup aid on real MongoDB; expiry is always checked in code.
EmailTokenSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });
