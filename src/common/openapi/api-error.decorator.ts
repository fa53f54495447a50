import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ErrorResponseDto } from '../dto/error-response.dto.js';
import { errorBody } from '../filters/all-exceptions.filter.js';
import { TOO_MANY_ATTEMPTS_MESSAGE } from '../http/too-many-requests.exception.js';

const EXAMPLE_REQUEST_ID = 'f3b9c2de-51a4-4c47-9d0e-0c6f1a7e2b33';

/** One message a route really answers with; `error` defaults to the HTTP reason phrase. */
export type ErrorExample = string | { message: string; error?: string; summary?: string };

/** The error response body for a status, with one named example per message the API answers. */
export function errorContent(status: number, examples: ErrorExample[]) {
  const values = examples.map((example) => {
    const { message, error, summary } = typeof example === 'string' ? { message: example } : example;
    return {
      summary: summary ?? message,
      value: { ...errorBody(status, message, error), requestId: EXAMPLE_REQUEST_ID },
    };
  });
  return {
    'application/json': {
      schema: { $ref: getSchemaPath(ErrorResponseDto) },
      ...(values.length === 1
        ? { example: values[0].value }
        : { examples: Object.fromEntries(values.map((value) => [slug(value.summary), value])) }),
    },
  };
}

/** Documents an error status of a route with the ErrorResponseDto schema and its real messages. */
export function ApiError(status: number, description: string, ...examples: ErrorExample[]) {
  return applyDecorators(
    ApiExtraModels(ErrorResponseDto),
    ApiResponse({ status, description, content: errorContent(status, examples) }),
  );
}

export const RETRY_AFTER_HEADER = {
  'Retry-After': {
    description: 'Seconds to wait before retrying.',
    schema: { type: 'integer', example: 60 },
  },
};

/**
 * A 429 with Retry-After: by default from the per-client throttle or the per-account failure
 * counter, or from another limit with its own messages.
 */
export function ApiTooManyAttempts(description: string, ...messages: ErrorExample[]) {
  return applyDecorators(
    ApiExtraModels(ErrorResponseDto),
    ApiResponse({
      status: 429,
      description,
      headers: RETRY_AFTER_HEADER,
      content: errorContent(429, messages.length > 0 ? messages : [TOO_MANY_ATTEMPTS_MESSAGE]),
    }),
  );
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 48);
}
