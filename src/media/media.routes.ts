import type { BodyRoute } from '../common/http/body-route.js';

/** The profile picture as a data URI, in a JSON body. */
export const PROFILE_PICTURE_JSON_ROUTE: BodyRoute = {
  method: 'PUT',
  path: '/api/auth/update-profile',
  dataUriField: 'profilePic',
};
export const AVATAR_MULTIPART_ROUTE: BodyRoute = { method: 'PUT', path: '/api/users/me/avatar' };

/** Where the local-disk store serves its files (outside the /api prefix). */
export const LOCAL_MEDIA_PATH = '/media';
