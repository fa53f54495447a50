import { BadRequestException, PayloadTooLargeException, UnsupportedMediaTypeException } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import {
  BODY_APART_FROM_PICTURE_MAX_BYTES,
  BODY_APART_FROM_PICTURE_TOO_LARGE,
} from '../common/http/body-errors.js';
import { invalidField } from '../common/http/validation.js';
import type { BodyRoute } from '../common/http/body-route.js';

export const DEFAULT_JSON_LIMIT_BYTES = 100 * 1024;
/** Deeper bodies are refused before class-transformer, which recurses and would overflow the stack. */
export const MAX_JSON_DEPTH = 16;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/**
 * JSON may escape half of a UTF-16 pair ("\ud800"). Such a string is not text: it cannot be stored as
 * UTF-8, and validators that encode it (class-validator's isByteLength) throw.
 */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * JSON is the only body format the API takes (a cross-site HTML form cannot send it), except for the
 * listed multipart routes. The JSON limit is small everywhere but on the routes that take a picture
 * as a data URI, and there only the picture may be large: the rest of the body (a message's text)
 * must fit in BODY_APART_FROM_PICTURE_MAX_BYTES, checked before anything else looks at it.
 * A body must be one JSON object, not nested too deeply, with no prototype-related keys.
 */
export function jsonBodyParser(options: {
  /** Routes with a `dataUriField`. */
  dataUriRoutes: BodyRoute[];
  dataUriLimit: number;
  multipartRoutes: BodyRoute[];
  /** Routes that also take application/x-www-form-urlencoded (the OAuth token route). */
  formRoutes: BodyRoute[];
}): RequestHandler {
  // No compressed bodies (415): inflating is work an attacker chooses, and zlib's errors are cryptic.
  const parserOptions = { strict: false, inflate: false };
  const small = express.json({ ...parserOptions, limit: DEFAULT_JSON_LIMIT_BYTES });
  const large = express.json({ ...parserOptions, limit: options.dataUriLimit });
  const form = express.urlencoded({
    extended: false,
    inflate: false,
    limit: DEFAULT_JSON_LIMIT_BYTES,
    parameterLimit: 32,
  });
  const find = (routes: BodyRoute[], req: Request) => {
    // Routing ignores case and a trailing slash, so this match must too.
    const path = req.path.toLowerCase().replace(/\/+$/, '');
    return routes.find(
      (route) =>
        route.method === req.method &&
        (typeof route.path === 'string' ? route.path === path : route.path.test(path)),
    );
  };
  const matches = (routes: BodyRoute[], req: Request) => find(routes, req) !== undefined;

  return function parseBody(req: Request, res: Response, next: NextFunction) {
    if (!hasBody(req)) return next();
    if (req.is('application/json')) {
      const field = find(options.dataUriRoutes, req)?.dataUriField;
      if (field === undefined) {
        return small(req, res, (error?: unknown) => next(error ?? checkShape(req.body)));
      }
      return large(req, res, (error?: unknown) =>
        next(error ?? checkApartFromPicture(req.body, field) ?? checkShape(req.body)),
      );
    }
    if (req.is('multipart/form-data') && matches(options.multipartRoutes, req)) return next();
    if (req.is('application/x-www-form-urlencoded') && matches(options.formRoutes, req)) {
      return form(req, res, (error?: unknown) => next(error ?? checkShape(req.body)));
    }
    next(new UnsupportedMediaTypeException('Content-Type must be application/json'));
  };
}

/** Whether the request announces a body (a length other than 0, or chunks). */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Only a string in `field` may make the body large. Measured before the shape check and validation,
 * whose regular expressions would otherwise run over megabytes of text.
 */
function checkApartFromPicture(
  body: unknown,
  field: string,
): PayloadTooLargeException | BadRequestException | undefined {
  const isObject = typeof body === 'object' && body !== null && !Array.isArray(body);
  const rest =
    isObject && typeof (body as Record<string, unknown>)[field] === 'string'
      ? { ...(body as Record<string, unknown>), [field]: undefined }
      : body;
  let size: number;
  try {
    size = Buffer.byteLength(JSON.stringify(rest));
  } catch {
    // JSON.stringify recurses: a body nested thousands deep overflows the stack (a RangeError that,
    // thrown here inside the parser's callback, would leave the request unanswered).
    return new BadRequestException('The request body is nested too deeply');
  }
  return size > BODY_APART_FROM_PICTURE_MAX_BYTES
    ? new PayloadTooLargeException(BODY_APART_FROM_PICTURE_TOO_LARGE)
    : undefined;
}

/** Walks the parsed body without recursion; returns the error to answer with, if any. */
function checkShape(body: unknown): BadRequestException | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return new BadRequestException('The request body must be a JSON object');
  }
  const stack: Array<[unknown, number, string]> = [[body, 1, '']];
  while (stack.length > 0) {
    const [value, depth, field] = stack.pop()!;
    if (typeof value === 'string' && LONE_SURROGATE.test(value)) {
      return invalidField(field, `${field} must be valid Unicode text`);
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_JSON_DEPTH) return new BadRequestException('The request body is nested too deeply');
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) return new BadRequestException(`${key} is not an allowed field`);
      if (LONE_SURROGATE.test(key))
        return invalidField(field || 'body', 'Field names must be valid Unicode text');
      stack.push([(value as Record<string, unknown>)[key], depth + 1, field ? `${field}.${key}` : key]);
    }
  }
  return undefined;
}
