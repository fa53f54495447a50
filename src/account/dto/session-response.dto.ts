/** One signed-in device of the caller. */
export class SessionResponseDto {
  /** @example 6650f0c2a1b2c3d4e5f60719 */
  id: string;
  /** @example 2026-05-24T09:30:00.000Z */
  createdAt: Date;
  /** @example 2026-05-25T17:02:11.000Z */
  lastSeenAt: Date;
  /** @example 2026-05-31T09:30:00.000Z */
  expiresAt: Date;
  /** @example 'Mozilla/5.0 (X11; Linux x86_64)' */
  userAgent: string;
  /** @example 203.0.113.7 */
  ip: string;
  /** True for the session that made this request. */
  current: boolean;
}
