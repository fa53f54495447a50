import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, trusted, Types } from 'mongoose';
import { type ActivityRecord, toActivityResponse } from './activity.mapper.js';
import { AuditEvent } from './audit-event.schema.js';
import type { ActivityEventResponseDto } from './dto/activity-event-response.dto.js';
import { ACTIVITY_PAGE_DEFAULT } from './dto/activity-query.dto.js';

const ACTIVITY_FIELDS = 'type at ip userAgent';

/** A person's own security events, for the activity feed. */
@Injectable()
export class ActivityService {
  constructor(@InjectModel(AuditEvent.name) private readonly events: Model<AuditEvent>) {}

  /**
   * The user's latest `limit` events before `before`, newest first. Only events that name the user:
   * a failed sign-in with an unknown address names nobody, so it shows in no one's feed.
   */
  async forUser(
    user: Types.ObjectId,
    page: { before?: string; limit?: number },
  ): Promise<ActivityEventResponseDto[]> {
    const older = page.before ? { _id: trusted({ $lt: new Types.ObjectId(page.before) }) } : {};
    const found = await this.events
      .find({ user, ...older })
      .sort({ _id: -1 })
      .limit(page.limit ?? ACTIVITY_PAGE_DEFAULT)
      .select(ACTIVITY_FIELDS)
      .lean<ActivityRecord[]>()
      .exec();
    return found.map(toActivityResponse);
  }
}
