import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/** Password checks against one account in the current window, counted as failures until one succeeds. */
@Schema({ collection: 'login_failures' })
export class LoginFailure {
  @Prop({ required: true })
  email: string;

  @Prop({ required: true })
  count: number;

  @Prop({ required: true })
  windowStartedAt: Date;
}

export const LoginFailureSchema = SchemaFactory.createForClass(LoginFailure);
LoginFailureSchema.index({ email: 1 }, { unique: true });
// Cleanup aid on real MongoDB; the window is always checked in code.
LoginFailureSchema.index({ windowStartedAt: 1 }, { expireAfterSeconds: 24 * 3600 });
