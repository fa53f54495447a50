import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * A state a provider's callback has used, so a replayed callback is refused (without REDIS_URL, or
 * while Redis is unreachable). Kept until its flow would have expired.
 */
@Schema({ collection: 'federated_used_states', versionKey: false })
export class UsedFlowState {
  /** The state's SHA-256 (hex). */
  @Prop({ required: true })
  stateHash: string;

  @Prop({ required: true })
  expiresAt: Date;
}

export const UsedFlowStateSchema = SchemaFactory.createForClass(UsedFlowState);
UsedFlowStateSchema.index({ stateHash: 1 }, { unique: true });
// Cleanup aid on real MongoDB; expired ones are also deleted as new ones come.
UsedFlowStateSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });
