import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/** Failed password checks against one account within the current window. */
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
