/**
 * What the auth and account services announce, for features that must react (the chat gateway
 * disconnects sockets, messages are deleted). Emitted after the change is written.
 */
export const SESSIONS_REVOKED = 'session.revoked';

export interface SessionsRevokedEvent {
  userId: string;
  /** The sessions that ended (logout, revocation, logout-all, password change, account deletion). */
  sessionIds: string[];
}

export const USER_DELETED = 'user.deleted';

export interface UserDeletedEvent {
  userId: string;
}

/** Announced when the per-client limit refuses a request (429) before any service runs. */
export const REQUEST_THROTTLED = 'request.throttled';

export interface RequestThrottledEvent {
  /** The route's throttle bucket (`sign-in` for login and the token route), when it has one. */
  bucket?: string;
}
