import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { STATUS_CODES } from 'node:http';
import type { Request, Response } from 'express';
import { TooManyRequestsException } from '../http/too-many-requests.exception.js';
import { OAuthError } from '../http/oauth-error.js';
import {
  DATABASE_ERROR,
  type DatabaseErrorEvent,
  isDatabaseError,
  isDatabaseUnavailable,
  isDuplicateKeyError,
} from '../../database/database-errors.js';
import { requestIdOf } from '../http/request-id.js';

export interface FieldError {
  field: string;
  message: string;
}

/** The one error body every endpoint answers with. `message` is always a single string. */
export interface ErrorBody {
  statusCode: number;
  message: string;
  error: string;
  errors?: FieldError[];
  /** This request's id (also in the `X-Request-Id` header and the logs), for a user to quote. */
  requestId?: string;
}

export const SERVICE_UNAVAILABLE_MESSAGE = 'The service is temporarily unavailable, please retry shortly';

/** Seconds a client should wait before retrying a 503 (the database is unreachable). */
const RETRY_AFTER_SECONDS = 5;

/**
 * Turns every thrown value into ErrorBody. HttpExceptions keep their status and message; known
 * infrastructure failures are mapped here, once; anything else is a generic 500 whose details go to
 * the log only, so no stack, driver message or path ever reaches a client.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Exceptions');

  /** `events` hears of every request the database failed (metrics count them). */
  constructor(private readonly events: EventEmitter2) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const requestId = requestIdOf(http.getRequest<Request>());
    const body = this.toBody(exception, requestId);
    if (response.headersSent) return;
    body.requestId = requestId;
    if (exception instanceof TooManyRequestsException) {
      response.setHeader('Retry-After', String(exception.retryAfterSeconds));
    } else if (body.statusCode === HttpStatus.SERVICE_UNAVAILABLE) {
      response.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
    }
    // Explicitly: a route's @Header('Content-Type', ...) for its page would otherwise stay on its error.
    response.status(body.statusCode).type('application/json').json(body);
  }

  private toBody(exception: unknown, requestId: string | undefined): ErrorBody {
    if (exception instanceof HttpException) return fromHttpException(exception);
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn({ msg: `Database unavailable: ${(exception as Error).message}`, requestId });
      this.announceDatabaseError('unavailable');
      return errorBody(HttpStatus.SERVICE_UNAVAILABLE, SERVICE_UNAVAILABLE_MESSAGE);
    }
    if (isDuplicateKeyError(exception)) {
      return errorBody(HttpStatus.CONFLICT, 'The resource already exists');
    }
    if (isDatabaseError(exception)) this.announceDatabaseError('query');
    this.logger.error({
      msg: exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
      requestId,
    });
    return errorBody(HttpStatus.INTERNAL_SERVER_ERROR, 'Something went wrong, please try again later');
  }

  private announceDatabaseError(kind: DatabaseErrorEvent['kind']): void {
    const event: DatabaseErrorEvent = { kind };
    this.events.emit(DATABASE_ERROR, event);
  }
}

function fromHttpException(exception: HttpException): ErrorBody {
  const status = exception.getStatus();
  // Express's body parser reports malformed JSON as a SyntaxError; its text quotes the input.
  if (exception.cause instanceof SyntaxError) return errorBody(status, 'The request body is not valid JSON');
  if ((exception.cause as { type?: unknown } | undefined)?.type === 'entity.too.large') {
    return errorBody(status, 'The request body is too large');
  }
  const payload = exception.getResponse();
  if (typeof payload === 'string') return errorBody(status, payload);
  const { message, errors } = payload as { message?: unknown; errors?: FieldError[] };
  let text: string;
  if (typeof message === 'string') text = message;
  else if (Array.isArray(message) && typeof message[0] === 'string') text = message[0];
  else text = exception.message || defaultError(status);
  // Nest's own 404 quotes the whole URL: a token in its query string would come back in the body.
  if (status === HttpStatus.NOT_FOUND) text = text.replace(/^(Cannot [A-Z]+ [^?\s]*)\?\S*$/, '$1');
  const error = exception instanceof OAuthError ? exception.code : defaultError(status);
  return {
    statusCode: status,
    message: text,
    error,
    ...(Array.isArray(errors) && errors.length ? { errors } : {}),
  };
}

/** The one error shape, with the HTTP reason phrase as `error` unless another is given. */
export function errorBody(statusCode: number, message: string, error = defaultError(statusCode)): ErrorBody {
  return { statusCode, message, error };
}

function defaultError(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}
