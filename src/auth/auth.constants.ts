/** Name of the httpOnly cookie that carries the session JWT (the reference frontend's name). */
export const SESSION_COOKIE = 'jwt';

/** The OAuth 2.0 token endpoint (password grant): the one route that also takes a form body. */
export const TOKEN_ROUTE = { method: 'POST', path: '/api/auth/token' };

/** The per-client throttle bucket that login and the token route share: both are one sign-in. */
export const SIGN_IN_BUCKET = 'sign-in';

/** The one answer to a refused sign-in, whatever the reason (no hint of which addresses have accounts). */
export const INVALID_CREDENTIALS = 'Invalid email or password';
