/** One of the caller's passkeys. */
export class PasskeyResponseDto {
  /** @example 6650f0c2a1b2c3d4e5f60719 */
  id: string;
  /** @example 'MacBook Touch ID' */
  name: string;
  /** @example 2026-05-24T09:30:00.000Z */
  createdAt: Date;
  /** When it last signed in; null until it has. @example 2026-05-25T17:02:11.000Z */
  lastUsedAt: Date | null;
}
