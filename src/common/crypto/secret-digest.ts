import { createHash } from 'node:crypto';

/**
 * What is stored, and looked up, in place of a random secret (a token, a challenge, a recovery code,
 * an OAuth state): its SHA-256 in hex. A salt or a slow hash would add nothing to a value with 100
 * random bits or more, and a lookup by digest stays an exact match on an index.
 */
export function secretDigest(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
