import { randomBytes } from 'node:crypto';
import { secretDigest } from '../../common/crypto/secret-digest.js';

/** RFC 4648 base32 in lower case: no 0/1/8/9, so no O/0 or I/1 to confuse when copying by hand. */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const GROUPS = 4;
const GROUP_LENGTH = 5;
/** 20 characters of 5 bits each: 100 bits. */
const LENGTH = GROUPS * GROUP_LENGTH;
const CODE = new RegExp(`^[${ALPHABET}]{${LENGTH}}$`);
export const RECOVERY_CODE_COUNT = 10;

/** A fresh set of recovery codes, grouped for reading: `xxxxx-xxxxx-xxxxx-xxxxx`. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
}

function newRecoveryCode(): string {
  // 256 is a multiple of 32, so `byte & 31` is uniform.
  const characters = [...randomBytes(LENGTH)].map((byte) => ALPHABET[byte & 31]).join('');
  return characters.match(new RegExp(`.{${GROUP_LENGTH}}`, 'g'))!.join('-');
}

/**
 * What is stored of a recovery code: the SHA-256 of its normalised form (case, hyphens and spaces do
 * not matter). A salt or a slow hash would add nothing to 100 random bits. Null for a value that
 * cannot be a recovery code.
 */
export function hashRecoveryCode(value: string): string | null {
  const normalised = value.toLowerCase().replace(/[\s-]/g, '');
  if (!CODE.test(normalised)) return null;
  return secretDigest(normalised);
}
