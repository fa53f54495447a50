import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * A state a provider's callback has used, so a replayed callback is refused (without REDIS_URL, or
 * while Redis is unreachable). `_id` is the state's SHA-256; kept until its flow would have expired.
 */
@Schema({ collection: 'federated_used_states', versionKey: false })
export class UsedFlowState {
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ required: true })
  expiresAt: Date;
}

export const UsedFlowStateSchema = SchemaFactory.createForClass(UsedFlowState);
// Cleanup aid on real MongoDB; expired ones are also deleted as new ones come.
UsedFlowStateSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });
