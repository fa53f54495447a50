/** Name of the httpOnly cookie that carries the session JWT (the reference frontend's name). */
export const SESSION_COOKIE = 'jwt';
