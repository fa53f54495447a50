import { ApiProperty } from '@nestjs/swagger';
import { SECURITY_EVENT_TYPES, type SecurityEventType } from '../../audit/security-event.js';

/**
 * Something that happened to the caller's account, and from where. Why a sign-in failed is not
 * given: the owner needs to know someone tried, an attacker holding the session would learn too much.
 */
export class ActivityEventResponseDto {
  /** @example 6650f0c2a1b2c3d4e5f60721 */
  id: string;

  /**
   * What happened. `login.failed` is a refused sign-in to this account (wrong password, or locked);
   * `login.2fa_failed` one whose password was right but whose second factor was not.
   */
  @ApiProperty({ enum: SECURITY_EVENT_TYPES, enumName: 'SecurityEventType', example: 'login.succeeded' })
  type: SecurityEventType;

  /** @example 2026-05-25T17:02:11.000Z */
  at: Date;

  /**
   * The client's address (behind a proxy: as TRUST_PROXY allows).
   * @example 203.0.113.7
   */
  ip: string;

  /**
   * The device, as its User-Agent header named it (empty when it sent none).
   * @example 'Mozilla/5.0 (X11; Linux x86_64)'
   */
  userAgent: string;
}
