import { STATUS_CODES } from 'node:http';

/**
 * The API's one error body (src/common/dto/error-response.dto.ts), as a test expects it:
 * `expect(res.body).toEqual(errorBody(401, 'Invalid email or password'))`. `error` is the status's
 * name unless given (the token route answers OAuth's `invalid_grant`); `message` may be a matcher
 * (`expect.any(String)`). A validation error adds its `errors`: `{ ...errorBody(400, m), errors }`.
 */
export function errorBody(statusCode: number, message: unknown, error: string = STATUS_CODES[statusCode]!) {
  return { statusCode, message, error, requestId: expect.any(String) };
}
