import type { BodyRoute } from '../common/http/body-route.js';

/** Sending a message may carry an image as a data URI: a large JSON body. */
export const SEND_MESSAGE_ROUTE: BodyRoute = {
  method: 'POST',
  path: /^\/api\/messages\/send\/[^/]+$/,
};
