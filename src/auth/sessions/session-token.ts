/** Claims of our session JWT. */
export interface SessionTokenPayload {
  sub: string;
  sid: string;
}
