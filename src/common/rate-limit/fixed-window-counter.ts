import type { Model } from 'mongoose';

/** A count of events in the window that started at windowStartedAt. */
export interface WindowCount {
  count: number;
  windowStartedAt: Date;
}

/**
 * Adds one event to the record `filter` names (upserted), or starts a new window when its last one has
 * run out. Atomic per record, so concurrent events on several instances are all counted.
 */
export async function countInWindow<T extends WindowCount>(
  model: Model<T>,
  filter: Record<string, string>,
  windowMs: number,
): Promise<WindowCount> {
  // A second pass happens only when a concurrent event restarted the window first.
  for (let pass = 0; pass < 3; pass++) {
    const now = new Date();
    // One atomic upsert keyed by the filter alone: no concurrent event is lost or makes a second record.
    const record = (await model
      .findOneAndUpdate(
        filter,
        { $inc: { count: 1 }, $setOnInsert: { windowStartedAt: now } },
        { upsert: true, returnDocument: 'after' },
      )
      .lean<WindowCount>()
      .exec())!;
    if (record.windowStartedAt.getTime() > now.getTime() - windowMs) return record;
    // Only the first of several concurrent events restarts the window; the others count in the new one.
    const restarted = await model
      .findOneAndUpdate(
        { ...filter, windowStartedAt: record.windowStartedAt },
        { $set: { count: 1, windowStartedAt: now } },
        { returnDocument: 'after' },
      )
      .lean<WindowCount>()
      .exec();
    if (restarted) return restarted;
  }
  throw new Error('Could not count an attempt: the window kept changing');
}

/** Seconds until the window ends, at least 1 (a Retry-After value). */
export function secondsLeft({ windowStartedAt }: WindowCount, windowMs: number): number {
  return Math.max(1, Math.ceil((windowStartedAt.getTime() + windowMs - Date.now()) / 1000));
}
