/** A route that the body parsers treat apart from the rest (a larger limit, multipart, a form). */
export interface BodyRoute {
  method: string;
  /** Lower case, no trailing slash; a RegExp for routes with parameters. */
  path: string | RegExp;
}
