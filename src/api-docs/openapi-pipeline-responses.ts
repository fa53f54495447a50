import type { OpenAPIObject } from '@nestjs/swagger';
import { EMAIL_NOT_VERIFIED } from '../auth/guards/email-verified.guard.js';
import { SERVICE_UNAVAILABLE_MESSAGE } from '../common/filters/all-exceptions.filter.js';
import { BODY_TOO_SLOW } from '../common/http/body-errors.js';
import {
  errorContent,
  type ErrorExample,
  RETRY_AFTER_HEADER,
} from '../common/openapi/api-error.decorator.js';

type Response = { description: string; content?: unknown; headers?: unknown };
type Operation = {
  security?: unknown[];
  responses: Record<string, Response>;
};

const WRITES = new Set(['post', 'put', 'patch', 'delete']);
const CROSS_SITE =
  'Cross-site request refused: a cookie-authenticated write from a page on another origin that is not in CORS_ORIGINS';
const NOT_VERIFIED = '`Email not verified` (only with REQUIRE_EMAIL_VERIFICATION)';

/**
 * The answers every route can give come from the shared pipeline (body parser, global guards,
 * database), not from the controllers: documented here once, with the messages the pipeline sends.
 * Routes without a security requirement are marked public (`security: []`).
 */
export function addPipelineResponses(document: OpenAPIObject): void {
  for (const path of Object.values(document.paths)) {
    for (const [method, op] of Object.entries(path) as Array<[string, Operation]>) {
      if (!op?.responses) continue;
      const add = (status: number, description: string, examples: ErrorExample[], headers?: object) => {
        op.responses[status] ??= {
          description,
          content: errorContent(status, examples),
          ...(headers && { headers }),
        };
      };
      // Any request may carry a body, even where none is expected: once the guards let it through,
      // it is parsed, and refused, before the route's own checks.
      add(400, 'The body is not valid JSON, or not a JSON object.', ['The request body is not valid JSON']);
      add(
        408,
        'The body arrived slower than HTTP_MIN_BODY_BYTES_PER_SECOND once its grace period was over; the connection is closed.',
        [BODY_TOO_SLOW],
      );
      add(413, 'The body is too large.', ['The request body is too large']);
      add(415, 'The body is not JSON.', ['Content-Type must be application/json']);
      forbidden(method, op, add);
      add(
        503,
        'The database is unreachable; retry after the Retry-After header.',
        [SERVICE_UNAVAILABLE_MESSAGE],
        RETRY_AFTER_HEADER,
      );
      op.security ??= [];
    }
  }
}

/** The CSRF check of any cookie-carrying write (public ones too: a forged logout), and the verified-email check. */
function forbidden(
  method: string,
  op: Operation,
  add: (status: number, description: string, examples: ErrorExample[]) => void,
): void {
  const write = WRITES.has(method);
  const secured = Boolean(op.security?.length);
  const reasons = [...(write ? [CROSS_SITE] : []), ...(secured ? [NOT_VERIFIED] : [])];
  const examples = [
    ...(write ? ['Cross-site request refused'] : []),
    ...(secured ? [EMAIL_NOT_VERIFIED] : []),
  ];
  if (reasons.length === 0) return;
  const own = op.responses[403];
  if (!own) {
    add(403, `${reasons.join('; or ')}.`, examples);
    return;
  }
  // The route's own 403 (a password it needs and the account lacks) comes first; the pipeline's follow.
  own.description = `${own.description} Or: ${reasons.join('; or ')}.`;
  own.content = errorContent(403, [...examplesOf(own), ...examples]);
}

/** The messages of a documented error response, as ErrorExamples to document again. */
function examplesOf(response: Response): ErrorExample[] {
  type Value = { message: string; error?: string };
  const media = (response.content as Record<string, { example?: Value; examples?: object }> | undefined)?.[
    'application/json'
  ];
  if (media?.example) return [{ message: media.example.message, error: media.example.error }];
  return Object.values((media?.examples ?? {}) as Record<string, { summary?: string; value: Value }>).map(
    ({ summary, value }) => ({ message: value.message, error: value.error, summary }),
  );
}
