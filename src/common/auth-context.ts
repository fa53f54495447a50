import type { Types } from 'mongoose';

/** A user as every feature may read it: no password hash, no private bookkeeping. */
export interface UserRecord {
  _id: Types.ObjectId;
  email: string;
  fullName: string;
  profilePic: string;
  emailVerified: boolean;
  /** Kept in step with the account's second factor, so the per-request user needs no second read. */
  twoFactorEnabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** One signed-in device, as the sessions store and its cache keep it. */
export interface SessionRecord {
  _id: Types.ObjectId;
  user: Types.ObjectId;
  createdAt: Date;
  expiresAt: Date;
  lastSeenAt: Date;
  userAgent: string;
  ip: string;
}

/** What the session guard attaches to an authenticated request (`req.user`). */
export interface AuthContext {
  user: UserRecord;
  session: SessionRecord;
}
