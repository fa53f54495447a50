import type { IncomingHttpHeaders } from 'node:http';

export interface CrossOriginPolicy {
  /** Origins allowed to send credentialed cross-origin requests (CORS_ORIGINS). */
  trustedOrigins: ReadonlySet<string>;
  /** Whether X-Forwarded-Host and X-Forwarded-Proto come from a proxy we trust (TRUST_PROXY). */
  trustForwardedHeaders: boolean;
}

/**
 * The decision of Go 1.25's http.CrossOriginProtection, on plain headers so that the HTTP guard and a
 * WebSocket handshake share it. The caller decides which requests need it (writes that carry the
 * session cookie): https://pkg.go.dev/net/http#CrossOriginProtection
 *
 * - `Sec-Fetch-Site: same-origin` or `none` (typed URL, bookmark): allowed.
 * - `Sec-Fetch-Site: same-site` or `cross-site`: allowed only from a trusted Origin.
 * - No `Sec-Fetch-Site` (browsers before 2023): the Origin's host must be the request's host, or the
 *   Origin trusted. As in Go the scheme is not known from Host alone and is compared only when a
 *   trusted proxy states it in X-Forwarded-Proto.
 * - Neither header: not a browser, so not a forgery a browser could be tricked into. Allowed.
 */
export function isCrossOriginRequestAllowed(
  headers: IncomingHttpHeaders,
  policy: CrossOriginPolicy,
): boolean {
  const fetchSite = nonEmpty(headers['sec-fetch-site']);
  const origin = nonEmpty(headers.origin);
  if (fetchSite !== undefined) {
    if (fetchSite === 'same-origin' || fetchSite === 'none') return true;
    return origin !== undefined && policy.trustedOrigins.has(origin);
  }
  if (origin === undefined) return true;
  return (
    isRequestHostOrigin(origin, headers, policy.trustForwardedHeaders) || policy.trustedOrigins.has(origin)
  );
}

function isRequestHostOrigin(origin: string, headers: IncomingHttpHeaders, trustForwarded: boolean): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // "null" (sandboxed frames, file: pages) and garbage
  }
  const host =
    (trustForwarded ? firstValue(headers['x-forwarded-host']) : undefined) ?? nonEmpty(headers.host);
  if (host === undefined || url.host !== host.toLowerCase()) return false;
  const proto = trustForwarded ? firstValue(headers['x-forwarded-proto']) : undefined;
  return proto === undefined || url.protocol === `${proto.toLowerCase()}:`;
}

function nonEmpty(value: string | string[] | undefined): string | undefined {
  const single = Array.isArray(value) ? value[0] : value;
  return single === undefined || single === '' ? undefined : single;
}

/** A proxy chain appends to X-Forwarded-*; the first value is what the client asked for. */
function firstValue(value: string | string[] | undefined): string | undefined {
  return nonEmpty(nonEmpty(value)?.split(',')[0].trim());
}
