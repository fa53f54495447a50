import { UserResponseDto } from '../../users/dto/user-response.dto.js';

/** RFC 6749 5.1 access token response, plus the signed-in user. */
export class TokenResponseDto {
  /**
   * The session token: send it as `Authorization: Bearer <access_token>`.
   * @example eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI2NjUwZjBjMmExYjJjM2Q0ZTVmNjA3MTgiLCJzaWQiOiI2NjUwZjBjMmExYjJjM2Q0ZTVmNjA3MTkiLCJleHAiOjE3NjQ1NDcyMDB9.q1N4Ck9dZ5yq8o1g3m6vJ8r3w2WJp4c7kXbq0e1T0sA
   */
  access_token: string;
  /** @example Bearer */
  token_type: 'Bearer';
  /**
   * Seconds until the session expires.
   * @example 604800
   */
  expires_in: number;
  user: UserResponseDto;
}
