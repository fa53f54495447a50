import { HttpException, HttpStatus } from '@nestjs/common';

export const TOO_MANY_ATTEMPTS_MESSAGE = 'Too many attempts, please try again later';

/** A 429 that tells the client when to come back (the exception filter sends it as Retry-After). */
export class TooManyRequestsException extends HttpException {
  constructor(
    readonly retryAfterSeconds: number,
    message = TOO_MANY_ATTEMPTS_MESSAGE,
  ) {
    super(message, HttpStatus.TOO_MANY_REQUESTS);
  }
}
