/** A route that the body parsers treat apart from the rest (a data URI, multipart, a form). */
export interface BodyRoute {
  method: string;
  /** Lower case, no trailing slash; a RegExp for routes with parameters. */
  path: string | RegExp;
  /** The field that may hold a picture as a data URI, the one part of the body that may be large. */
  dataUriField?: string;
}
