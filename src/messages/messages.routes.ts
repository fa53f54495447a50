import type { BodyRoute } from '../common/http/body-route.js';

/** Sending a message may carry an image as a data URI: only that may make the body large. */
export const SEND_MESSAGE_ROUTE: BodyRoute = {
  method: 'POST',
  path: /^\/api\/messages\/send\/[^/]+$/,
  dataUriField: 'image',
};
