import type { BodyRoute } from '../common/http/body-route.js';

/** The one JSON route that takes a large body: a data-URI profile picture. */
export const PROFILE_PICTURE_JSON_ROUTE: BodyRoute = { method: 'PUT', path: '/api/auth/update-profile' };
export const AVATAR_MULTIPART_ROUTE: BodyRoute = { method: 'PUT', path: '/api/users/me/avatar' };

/** Where the local-disk store serves its files (outside the /api prefix). */
export const LOCAL_MEDIA_PATH = '/media';
