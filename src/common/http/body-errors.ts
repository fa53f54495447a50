/** A request body that fell under HTTP_MIN_BODY_BYTES_PER_SECOND (408). */
export const BODY_TOO_SLOW = 'The request body arrived too slowly';

/**
 * A body that may carry a picture as a data URI (a message, a profile picture) may reach the media
 * limit only through that one string field: the rest of it must fit in this, measured as the server
 * writes it in JSON (so however the client escaped it). A message's 2,000 characters take at most
 * 8 KB there.
 */
export const BODY_APART_FROM_PICTURE_MAX_BYTES = 16 * 1024;
export const BODY_APART_FROM_PICTURE_TOO_LARGE =
  'The request body is too large: apart from the picture, it must be at most 16 KiB';
