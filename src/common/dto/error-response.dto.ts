export class FieldErrorDto {
  /** @example email */
  field: string;
  /** @example 'email must be a valid email address' */
  message: string;
}

/** The one body of every error response. */
export class ErrorResponseDto {
  /** @example 400 */
  statusCode: number;
  /**
   * One human-readable sentence, fit to show to the user.
   * @example 'email must be a valid email address'
   */
  message: string;
  /** @example 'Bad Request' */
  error: string;
  /** Per-field details of a validation error. */
  errors?: FieldErrorDto[];
  /**
   * This request's id, as in the `X-Request-Id` response header and the server's logs: quote it when
   * reporting a problem.
   * @example 'f3b9c2de-51a4-4c47-9d0e-0c6f1a7e2b33'
   */
  requestId: string;
}
