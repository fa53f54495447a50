import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/** Emails asked for under one key (an address, an account) in the current window. */
@Schema({ collection: 'mail_request_counts' })
export class MailRequestCount {
  @Prop({ required: true })
  key: string;

  @Prop({ required: true })
  count: number;

  @Prop({ required: true })
  windowStartedAt: Date;
}

export const MailRequestCountSchema = SchemaFactory.createForClass(MailRequestCount);
MailRequestCountSchema.index({ key: 1 }, { unique: true });
// Cleanup aid on real MongoDB; the window is always checked in code.
MailRequestCountSchema.index({ windowStartedAt: 1 }, { expireAfterSeconds: 24 * 3600 });
