import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * Password checks against one account in the current window, under one scope, counted as failures
 * until one succeeds. Scopes: `address:<client network>`, `account` (every network), `device:<id>`
 * (a known device), `confirm` (re-confirmation by a signed-in user).
 */
@Schema({ collection: 'login_failures' })
export class LoginFailure {
  /** The normalised address tried, whether or not an account has it. */
  @Prop({ required: true })
  email: string;

  @Prop({ required: true })
  scope: string;

  @Prop({ required: true })
  count: number;

  @Prop({ required: true })
  windowStartedAt: Date;
}

export const LoginFailureSchema = SchemaFactory.createForClass(LoginFailure);
LoginFailureSchema.index({ email: 1, scope: 1 }, { unique: true });
// Cleanup aid on real MongoDB; the window is always checked in code.
LoginFailureSchema.index({ windowStartedAt: 1 }, { expireAfterSeconds: 24 * 3600 });

/** The index of the one-count-per-account collection before scopes: it would refuse a second scope. */
export const OBSOLETE_EMAIL_INDEX = 'email_1';
