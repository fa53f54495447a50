import type { UserRecord } from '../users/user.mapper.js';
import type { SessionRecord } from './sessions/sessions.service.js';

/** What the session guard attaches to an authenticated request (`req.user`). */
export interface AuthContext {
  user: UserRecord;
  session: SessionRecord;
}

/** Claims of our session JWT. */
export interface SessionTokenPayload {
  sub: string;
  sid: string;
}
