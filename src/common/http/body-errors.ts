/** A request body that fell under HTTP_MIN_BODY_BYTES_PER_SECOND (408). */
export const BODY_TOO_SLOW = 'The request body arrived too slowly';
