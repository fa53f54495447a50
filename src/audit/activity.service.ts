import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, trusted, Types } from 'mongoose';
import { AuditEvent } from './audit-event.schema.js';

/** What the activity feed shows of an event (never its reason or request id). */
export type ActivityRecord = Pick<AuditEvent, 'type' | 'at' | 'ip' | 'userAgent'> & { _id: Types.ObjectId };

const ACTIVITY_FIELDS = 'type at ip userAgent';

/** A person's own security events, for the activity feed. */
@Injectable()
export class ActivityService {
  constructor(@InjectModel(AuditEvent.name) private readonly events: Model<AuditEvent>) {}

  /**
   * The user's latest `limit` events before `before`, newest first. Only events that name the user:
   * a failed sign-in with an unknown address names nobody, so it shows in no one's feed.
   */
  forUser(user: Types.ObjectId, page: { before?: string; limit: number }): Promise<ActivityRecord[]> {
    const older = page.before ? { _id: trusted({ $lt: new Types.ObjectId(page.before) }) } : {};
    return this.events
      .find({ user, ...older })
      .sort({ _id: -1 })
      .limit(page.limit)
      .select(ACTIVITY_FIELDS)
      .lean<ActivityRecord[]>()
      .exec();
  }
}
