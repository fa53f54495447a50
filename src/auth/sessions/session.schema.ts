import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { HydratedDocument, Types } from 'mongoose';
import { User } from '../../users/schemas/user.schema.js';
import { USER_AGENT_MAX_LENGTH } from '../../common/http/client-info.js';

/** One signed-in device. The JWT names it (`sid`); deleting it revokes the token. */
@Schema({ collection: 'sessions', timestamps: { createdAt: true, updatedAt: false } })
export class Session {
  @Prop({ type: Types.ObjectId, ref: User.name, required: true })
  user: Types.ObjectId;

  @Prop({ required: true })
  expiresAt: Date;

  @Prop({ required: true })
  lastSeenAt: Date;

  @Prop({ default: '', maxlength: USER_AGENT_MAX_LENGTH })
  userAgent: string;

  @Prop({ default: '' })
  ip: string;

  createdAt: Date;
}

export type SessionDocument = HydratedDocument<Session>;
export const SessionSchema = SchemaFactory.createForClass(Session);
SessionSchema.index({ user: 1 });
// Cleanup aid on real MongoDB only: expiry is always checked in code, since the embedded server has no TTL.
SessionSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });
