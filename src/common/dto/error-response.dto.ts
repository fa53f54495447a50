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
}
