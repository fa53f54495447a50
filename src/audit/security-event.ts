/**
 * What the audit trail records. The names are stable: they are stored, logged, counted in metrics and
 * shown to the account's owner in the activity feed.
 */
export const SECURITY_EVENT_TYPES = [
  'signup',
  'login.succeeded',
  'login.failed',
  'login.locked',
  'logout',
  'session.revoked',
  'logout.all',
  'password.changed',
  'password.reset_requested',
  'password.reset',
  'account.deleted',
  'email.verified',
  'email.change_requested',
  'email.changed',
  '2fa.enabled',
  '2fa.disabled',
  '2fa.recovery_codes_regenerated',
  '2fa.recovery_code_used',
  'login.2fa_failed',
  'identity.linked',
  'identity.unlinked',
  'passkey.added',
  'passkey.removed',
] as const;

export type SecurityEventType = (typeof SECURITY_EVENT_TYPES)[number];

/**
 * Why a sign-in failed. Kept server-side (log, audit collection, metrics), never shown in the
 * activity feed: it would tell an attacker which addresses have accounts.
 */
export type LoginFailureReason =
  | 'unknown_email'
  | 'wrong_password'
  /** An account without a password (made by a sign-in provider): refused like a wrong password. */
  | 'no_password'
  | 'locked'
  | 'password_changed'
  /** A second factor that did not match, or one already used (`login.2fa_failed`). */
  | 'wrong_code';

/** The second factor of a sign-in (`login.succeeded`, `login.2fa_failed`): an authenticator code or a recovery code. */
export type SecondFactorMethod = 'totp' | 'recovery_code';

/** How a person proved who they are (`signup`, `login.succeeded`). */
export type SignInMethod = 'password' | 'passkey' | 'oidc' | 'google' | 'github';

/** What the code that acts knows; the audit trail adds the time and the request's ip, agent and id. */
export interface SecurityEventInput {
  type: SecurityEventType;
  /** The account concerned, when known (a failed sign-in for an unknown address has none). */
  userId?: string;
  reason?: LoginFailureReason;
  secondFactor?: SecondFactorMethod;
  method?: SignInMethod;
}

/** A recorded event, as emitted under SECURITY_EVENT for other features (metrics) to count. */
export interface SecurityEvent extends SecurityEventInput {
  at: Date;
  ip?: string;
  userAgent?: string;
  requestId?: string;
}

/** The EventEmitter2 event name every recorded security event is emitted under. */
export const SECURITY_EVENT = 'security.event';
