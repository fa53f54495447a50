import { ApiProperty } from '@nestjs/swagger';
import type { SecondFactorMethod } from '../../../audit/security-event.js';

export const SECOND_FACTOR_METHODS: SecondFactorMethod[] = ['totp', 'recovery_code'];

export class TwoFactorStatusDto {
  /** Whether signing in asks for a second factor. */
  enabled: boolean;
  /**
   * Recovery codes not used yet (0 when two-factor sign-in is off).
   * @example 10
   */
  recoveryCodesRemaining: number;
}

export class TwoFactorSetupDto {
  /**
   * The new TOTP secret (base32, 160 bits), for typing into an authenticator app by hand. Shown only
   * here: no later answer contains it.
   * @example JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
   */
  secret: string;
  /**
   * The same secret as the URI authenticator apps scan (SHA-1, 6 digits, 30 seconds).
   * @example otpauth://totp/Chat%20auth:ada%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Chat%20auth
   */
  otpauthUrl: string;
  /**
   * `otpauthUrl` as a QR code image, ready for an `<img src>`.
   * @example data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAA...
   */
  qrCode: string;
}

export class RecoveryCodesDto {
  /**
   * Ten single-use recovery codes, shown this once: only their hashes are kept.
   * @example ['k7m2q-x4c9p-h3w8n-t5r6j', 'a2b3c-d4e5f-g6h7i-j2k3l']
   */
  recoveryCodes: string[];
}

export class TwoFactorDisabledDto {
  /** Always false. */
  enabled: boolean;
}

/** Login's answer when the password was right but the account also needs a second factor: no session yet. */
export class TwoFactorChallengeDto {
  @ApiProperty({ enum: [true] })
  twoFactorRequired: true;
  /**
   * Send it to POST /api/auth/2fa/verify with the code, within 5 minutes; it works once and
   * authenticates nothing else. Also set as an httpOnly cookie scoped to /api/auth/2fa.
   * @example 'wqvQvGJ8tTq1p0Yx2bT6mN3cK9hL4sD7fA1eR5uI8oE'
   */
  challenge: string;
  /** What verify accepts: `code` (totp) or `recoveryCode`. */
  @ApiProperty({ enum: SECOND_FACTOR_METHODS, isArray: true, example: SECOND_FACTOR_METHODS })
  methods: SecondFactorMethod[];
}
