import type { OpenAPIObject } from '@nestjs/swagger';
import { SERVICE_UNAVAILABLE_MESSAGE } from '../filters/all-exceptions.filter.js';
import { errorContent, RETRY_AFTER_HEADER } from './api-error.decorator.js';

type Response = { description: string; content?: unknown; headers?: unknown };
type Operation = {
  security?: unknown[];
  responses: Record<string, Response>;
};

const WRITES = new Set(['post', 'put', 'patch', 'delete']);

/**
 * The answers every route can give come from the shared pipeline (body parser, CSRF guard,
 * database), not from the controllers: documented here once, with the messages the pipeline sends.
 * Routes without a security requirement are marked public (`security: []`).
 */
export function addPipelineResponses(document: OpenAPIObject): void {
  for (const path of Object.values(document.paths)) {
    for (const [method, op] of Object.entries(path) as Array<[string, Operation]>) {
      if (!op?.responses) continue;
      const add = (status: number, description: string, message: string, headers?: object) => {
        op.responses[status] ??= {
          description,
          content: errorContent(status, [message]),
          ...(headers && { headers }),
        };
      };
      // Any request may carry a body, even where none is expected: it is parsed, and refused, first.
      add(400, 'The body is not valid JSON, or not a JSON object.', 'The request body is not valid JSON');
      add(413, 'The body is too large.', 'The request body is too large');
      add(415, 'The body is not JSON.', 'Content-Type must be application/json');
      // Any write that carries the session cookie, the public ones included (a forged logout).
      if (WRITES.has(method)) {
        add(
          403,
          'Cross-site request refused: a cookie-authenticated write from a page on another origin that is not in CORS_ORIGINS.',
          'Cross-site request refused',
        );
      }
      add(
        503,
        'The database is unreachable; retry after the Retry-After header.',
        SERVICE_UNAVAILABLE_MESSAGE,
        RETRY_AFTER_HEADER,
      );
      op.security ??= [];
    }
  }
}
