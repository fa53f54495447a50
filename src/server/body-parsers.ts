import { BadRequestException, UnsupportedMediaTypeException } from '@nestjs/common';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
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
 * listed multipart routes. The JSON limit is small everywhere but on the listed large-body routes.
 * A body must be one JSON object, not nested too deeply, with no prototype-related keys.
 */
export function jsonBodyParser(options: {
  largeBodyRoutes: BodyRoute[];
  largeBodyLimit: number;
  multipartRoutes: BodyRoute[];
  /** Routes that also take application/x-www-form-urlencoded (the OAuth token route). */
  formRoutes: BodyRoute[];
}): RequestHandler {
  // No compressed bodies (415): inflating is work an attacker chooses, and zlib's errors are cryptic.
  const parserOptions = { strict: false, inflate: false };
  const small = express.json({ ...parserOptions, limit: DEFAULT_JSON_LIMIT_BYTES });
  const large = express.json({ ...parserOptions, limit: options.largeBodyLimit });
  const form = express.urlencoded({
    extended: false,
    inflate: false,
    limit: DEFAULT_JSON_LIMIT_BYTES,
    parameterLimit: 32,
  });
  const matches = (routes: BodyRoute[], req: Request) => {
    // Routing ignores case and a trailing slash, so this match must too.
    const path = req.path.toLowerCase().replace(/\/+$/, '');
    return routes.some(
      (route) =>
        route.method === req.method &&
        (typeof route.path === 'string' ? route.path === path : route.path.test(path)),
    );
  };

  // Named so Nest does not add its own JSON parser on top.
  return function jsonParser(req: Request, res: Response, next: NextFunction) {
    if (!hasBody(req)) return next();
    if (req.is('application/json')) {
      if (!matches(options.largeBodyRoutes, req)) {
        return small(req, res, (error?: unknown) => next(error ?? checkShape(req.body)));
      }
      // The large routes all need a session: without any credentials, leave the megabytes unread
      // and let the session guard answer 401.
      if (!req.headers.cookie && !req.headers.authorization) return next();
      return large(req, res, (error?: unknown) => next(error ?? checkShape(req.body)));
    }
    if (req.is('multipart/form-data') && matches(options.multipartRoutes, req)) return next();
    if (req.is('application/x-www-form-urlencoded') && matches(options.formRoutes, req)) {
      return form(req, res, (error?: unknown) => next(error ?? checkShape(req.body)));
    }
    next(new UnsupportedMediaTypeException('Content-Type must be application/json'));
  };
}

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
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
