import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';
import { USER_AGENT_MAX_LENGTH } from '../common/http/client-info.js';
import {
  type LoginFailureReason,
  SECURITY_EVENT_TYPES,
  type SecurityEventType,
  type SignInMethod,
} from './security-event.js';

export const AUDIT_EVENTS_COLLECTION = 'auditevents';

/**
 * One security event (sign-in, password change, ...). `reason` and `requestId` are for the operator
 * only: the activity feed never shows them.
 * Deleting an account keeps its events until they expire: they are the record an abuse or takeover
 * investigation needs (who signed in from where before the account vanished), and nobody can read
 * them through the API any more. They hold an IP and a User-Agent, so the retention bounds them.
 */
@Schema({ collection: AUDIT_EVENTS_COLLECTION, versionKey: false })
export class AuditEvent {
  @Prop({ type: String, required: true, enum: SECURITY_EVENT_TYPES })
  type: SecurityEventType;

  /** The account concerned; none for a failed sign-in with an unknown address. */
  @Prop({ type: Types.ObjectId })
  user?: Types.ObjectId;

  @Prop({ type: String })
  reason?: LoginFailureReason;

  /** How the person signed in (`signup`, `login.succeeded`). */
  @Prop({ type: String })
  method?: SignInMethod;

  @Prop({ default: '' })
  ip: string;

  @Prop({ default: '', maxlength: USER_AGENT_MAX_LENGTH })
  userAgent: string;

  /** The X-Request-Id of the request that caused it, to find its log lines. */
  @Prop({ type: String })
  requestId?: string;

  @Prop({ required: true })
  at: Date;
}

/**
 * Built per app, since the TTL comes from AUDIT_RETENTION_DAYS (and several apps run in one test
 * process).
 */
export function createAuditEventSchema(retentionDays: number) {
  const schema = SchemaFactory.createForClass(AuditEvent);
  /**
   * The activity feed is `{user: me}` (plus `_id < before`), newest `_id` first, limited: one range
   * of this index, already in order, read until `limit` entries. `_id` rather than `at`, as for
   * messages: ObjectIds grow with time and are unique, so paging by `before` never skips or repeats
   * two events of the same millisecond.
   */
  schema.index({ user: 1, _id: -1 });
  /**
   * Retention on real MongoDB (its TTL monitor deletes about once a minute). The embedded server has
   * no TTL: AuditRetention deletes the same events every few minutes, on both.
   */
  schema.index({ at: 1 }, { expireAfterSeconds: retentionSeconds(retentionDays) });
  return schema;
}

export const retentionSeconds = (retentionDays: number) => retentionDays * 24 * 3600;
