import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { OpenAPIObject } from '@nestjs/swagger';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * Checks every response an e2e app sends against its own OpenAPI document (createTestApp installs
 * it). The rules, in order:
 * - OPTIONS (CORS preflight, answered by the cors middleware) is not an API operation: not checked.
 * - The Socket.IO transport (/socket.io/): any status below 500. Engine.IO answers these requests
 *   before the server's other request listeners (this one included) ever see them, and its errors
 *   are its own `{ code, message }`; the rule only says so should one arrive.
 * - A GET or HEAD outside the REST API, which is all under /api: the Swagger UI and its assets, the
 *   static media files and the single-page app of FRONTEND_DIR (its files, and index.html for page
 *   URLs). Any status below 500 and any Content-Type, except that an error must be JSON in the
 *   error schema (a missing file is the API's JSON 404).
 * - A method and path that match no documented operation must answer what the pipeline answers
 *   before routing: the 404 of an unknown route, or the body parser's 400, 413 or 415 (it reads the
 *   body before the route is known); always in the error schema.
 * - HEAD answers have no body, and redirects only a courtesy one: their status is checked alone.
 * - Otherwise the status must be documented for that operation, the Content-Type must be one the
 *   document lists for it, and a JSON body must match its schema. Objects in the document are
 *   treated as closed: a field the document does not list is a violation.
 * Violations are collected and fail the running test (see contract-setup.ts).
 */
export class OpenApiContract {
  private readonly ajv = new Ajv({ strict: false, allErrors: true, formats: { binary: true } });
  private readonly operations: Array<{ pattern: RegExp; path: string; item: Record<string, Operation> }>;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(document: OpenAPIObject) {
    addFormats.default(this.ajv);
    this.ajv.addSchema({
      $id: DOC_ID,
      components: { schemas: closeObjects(document.components?.schemas ?? {}) },
    });
    this.operations = Object.entries(document.paths).map(([path, item]) => ({
      path,
      // Routing ignores case and a trailing slash; the contract must too.
      pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+').replace(/[.]/g, '\\.')}/?$`, 'i'),
      item: item as unknown as Record<string, Operation>,
    }));
  }

  /** The violation, as a sentence naming the request, or undefined when the response is documented. */
  check(exchange: Exchange): string | undefined {
    const problem = this.findProblem(exchange);
    if (!problem) return undefined;
    const shown = exchange.body.length > 0 && /json|text/.test(exchange.contentType ?? '');
    const body = shown ? ` Body: ${exchange.body.toString('utf8').slice(0, 500)}` : '';
    return `${exchange.method} ${exchange.url} answered ${exchange.status} (${exchange.contentType ?? 'no Content-Type'}): ${problem}.${body}`;
  }

  private findProblem({ method, url, status, contentType, body, truncated }: Exchange): string | undefined {
    if (method === 'OPTIONS') return undefined;
    const path = url.split('?')[0];
    if (SOCKET_IO.test(path)) {
      return status >= 500 ? 'a server error on the Socket.IO transport' : undefined;
    }
    if ((method === 'GET' || method === 'HEAD') && (!REST_API.test(path) || SWAGGER_UI.test(path))) {
      if (status >= 500) return 'a server error while serving a static file, the app or the Swagger UI';
      if (status < 400 || method === 'HEAD') return undefined;
      return isJson(contentType)
        ? this.validate(ERROR_SCHEMA, body)
        : 'an error outside the REST API that is not JSON in the error schema';
    }
    const verb = method === 'HEAD' ? 'get' : method.toLowerCase();
    // A literal path and a templated one can both match (`/users/me`, `/users/{id}`): prefer the one with this method.
    const matches = this.operations.filter((candidate) => candidate.pattern.test(path));
    const match = matches.find((candidate) => candidate.item[verb]) ?? matches[0];
    const operation = match?.item[verb];
    if (!match || !operation) {
      if (!UNKNOWN_ROUTE_STATUSES.has(status)) {
        return `no documented operation for this method and path, and the status is not one an unknown route answers (${[...UNKNOWN_ROUTE_STATUSES].join(', ')})`;
      }
      return method === 'HEAD' ? undefined : this.validate(ERROR_SCHEMA, body);
    }
    const where = `${method.toLowerCase()} ${match.path}`;
    const response = operation.responses[String(status)] ?? operation.responses[`${String(status)[0]}XX`];
    if (!response) {
      return `status ${status} is not documented for ${where} (documented: ${Object.keys(operation.responses).join(', ')})`;
    }
    // Redirects carry only a courtesy text body (Express writes "Found. Redirecting to ...").
    if (method === 'HEAD' || (status >= 300 && status < 400)) return undefined;
    const media = Object.keys(response.content ?? {});
    if (media.length === 0) {
      return body.length === 0
        ? undefined
        : `${where} ${status} is documented without a body, but one was sent`;
    }
    const type = media.find((candidate) => mediaType(contentType) === candidate);
    if (!type) return `Content-Type is not one documented for ${where} ${status} (${media.join(', ')})`;
    const schema = response.content![type].schema;
    if (!isJson(type) || !schema || truncated) return undefined;
    return this.validate(schema, body, `${where} ${status}`);
  }

  private validate(schema: object, body: Buffer, where = 'the error response'): string | undefined {
    let value: unknown;
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch {
      return `the body is not JSON, but ${where} is documented as JSON`;
    }
    const key = JSON.stringify(schema);
    let validator = this.validators.get(key);
    if (!validator) {
      validator = this.ajv.compile(pointAtDocument(schema));
      this.validators.set(key, validator);
    }
    if (validator(value)) return undefined;
    const errors = (validator.errors ?? [])
      .map((error) => `${error.instancePath || '(body)'} ${error.message ?? ''}${extra(error.params)}`)
      .join('; ');
    return `the body does not match the schema of ${where}: ${errors}`;
  }
}

export interface Exchange {
  method: string;
  url: string;
  status: number;
  contentType: string | undefined;
  body: Buffer;
  /** The body was over MAX_CAPTURED_BYTES and is not kept whole: its schema is not checked. */
  truncated?: boolean;
}

type Operation = {
  responses: Record<string, { content?: Record<string, { schema?: object }> }>;
};

const DOC_ID = 'openapi';
const ERROR_SCHEMA = { $ref: '#/components/schemas/ErrorResponseDto' };
/** Unknown route (404), or a body the parser refused before routing: malformed (400), too large, not JSON. */
const UNKNOWN_ROUTE_STATUSES = new Set([404, 400, 413, 415]);
/** Every REST operation is under /api. */
const REST_API = /^\/api(?:\/|$)/i;
/** Swagger UI (HTML, scripts, styles) and the document itself: not API operations. */
const SWAGGER_UI = /^\/api\/docs(?:[/-]|$)/i;
/** Socket.IO's long-polling and WebSocket upgrade requests (Engine.IO). */
const SOCKET_IO = /^\/socket\.io\//i;
/** Bodies above this size (pictures) are not kept whole. */
const MAX_CAPTURED_BYTES = 1024 * 1024;

function isJson(contentType: string | undefined): boolean {
  return mediaType(contentType) === 'application/json';
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

function extra(params: Record<string, unknown>): string {
  if ('additionalProperty' in params) return ` (${String(params.additionalProperty)})`;
  if ('allowedValues' in params) return ` (${JSON.stringify(params.allowedValues)})`;
  return '';
}

/** The document's `#/components/...` references, made to point at the schemas added under DOC_ID. */
function pointAtDocument(schema: object): object {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', `"${DOC_ID}#/components/`)) as object;
}

/** A copy in which every object schema that lists its properties refuses any other property. */
function closeObjects<T>(schema: T, composed = false): T {
  if (Array.isArray(schema)) return schema.map((item) => closeObjects(item, composed)) as T;
  if (typeof schema !== 'object' || schema === null) return schema;
  const source = schema as Record<string, unknown>;
  const isComposition = ['allOf', 'anyOf', 'oneOf'].some((key) => key in source);
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source)) {
    // `example` values are data, not schemas.
    copy[key] = key === 'example' || key === 'examples' ? value : closeObjects(value, isComposition);
  }
  // Parts of an allOf would refuse each other's properties; those are left open.
  if ('properties' in source && !('additionalProperties' in source) && !composed) {
    copy.additionalProperties = false;
  }
  return copy as T;
}

/** Records each response of `server` as it finishes and hands it to `onResponse`. */
export function watchResponses(server: Server, onResponse: (exchange: Exchange) => void): void {
  // Prepended so it sees every response, including those that Express middleware ends early.
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const keep = (chunk: unknown, encoding?: unknown) => {
      if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
      const buffer = Buffer.isBuffer(chunk)
        ? chunk
        : Buffer.from(chunk as string, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
      size += buffer.length;
      if (size <= MAX_CAPTURED_BYTES) chunks.push(buffer);
    };
    let headerType: string | undefined;
    const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
    res.writeHead = ((...args: unknown[]) => {
      // Headers given to writeHead itself are not readable afterwards with getHeader().
      const headers = args.find((arg) => typeof arg === 'object' && arg !== null && !Array.isArray(arg));
      const type = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'content-type')?.[1];
      if (type !== undefined) headerType = String(type);
      return writeHead(...args);
    }) as typeof res.writeHead;
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    res.write = ((...args: unknown[]) => {
      keep(args[0], args[1]);
      return write(...args);
    }) as typeof res.write;
    res.end = ((...args: unknown[]) => {
      keep(args[0], args[1]);
      return end(...args);
    }) as typeof res.end;
    res.on('finish', () => {
      onResponse({
        method: req.method ?? 'GET',
        // Express rewrites req.url inside mounted middleware (/media); originalUrl is what was asked.
        url: (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/',
        status: res.statusCode,
        contentType: headerType ?? (res.getHeader('content-type') as string | undefined),
        body: Buffer.concat(chunks),
        truncated: size > MAX_CAPTURED_BYTES,
      });
    });
  });
}

const VIOLATIONS = Symbol.for('chat-auth.openapi-contract.violations');
type ViolationStore = { [VIOLATIONS]?: string[] };

/** Violations since the last call (the per-test hook in contract-setup.ts empties it). */
export function takeContractViolations(): string[] {
  const store = globalThis as ViolationStore;
  const violations = store[VIOLATIONS] ?? [];
  store[VIOLATIONS] = [];
  return violations;
}

/** Checks every response of the app's server against `document` (called by createTestApp). */
export function enforceContract(server: Server, document: OpenAPIObject): void {
  const contract = new OpenApiContract(document);
  watchResponses(server, (exchange) => {
    const violation = contract.check(exchange);
    if (violation) ((globalThis as ViolationStore)[VIOLATIONS] ??= []).push(violation);
  });
}
