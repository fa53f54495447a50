import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { invalidField } from '../../common/http/validation.js';
import type { AppConfig } from '../../config/app-config.js';

export const PASSWORD_MAX_LENGTH = 128;

/** Between entries of the list, and never in a password it can match. */
const SEPARATOR = '\n';

/**
 * The 49k most common passwords from the zxcvbn project (lower-case), held offline, as one string of
 * 380 KB with a separator around each: the package's own module keeps 49k strings, 2.3 MB for the
 * life of the process, and a Set would be larger still. Searched through in about 0.2 ms, beside
 * bcrypt's 250.
 */
const commonPasswords = (() => {
  const file = createRequire(import.meta.url).resolve('@zxcvbn-ts/language-common/src/passwords.json');
  const list = JSON.parse(readFileSync(file, 'utf8')) as string[];
  return `${SEPARATOR}${list.join(SEPARATOR)}${SEPARATOR}`;
})();
const isCommonPassword = (password: string) =>
  !password.includes(SEPARATOR) && commonPasswords.includes(`${SEPARATOR}${password}${SEPARATOR}`);

/** The rules for a new password: a length range and not a common one; no composition rules (NIST 800-63B). */
@Injectable()
export class PasswordPolicy {
  private readonly minLength: number;

  constructor(config: ConfigService<AppConfig, true>) {
    this.minLength = config.get('auth.passwordMinLength', { infer: true });
  }

  /** Throws a 400 naming `field` when `password` may not be used. */
  assertAcceptable(password: string, field = 'password'): void {
    const message = this.problem(password, field);
    if (message) throw invalidField(field, message);
  }

  private problem(password: string, field: string): string | null {
    const length = Array.from(password).length; // code points, as the user counts them
    if (length < this.minLength) return `${field} must be at least ${this.minLength} characters long`;
    if (length > PASSWORD_MAX_LENGTH)
      return `${field} must be at most ${PASSWORD_MAX_LENGTH} characters long`;
    if (password.trim() === '') return `${field} must not be only spaces`;
    if (isCommonPassword(password.toLowerCase()))
      return `${field} is too common, please choose a less guessable one`;
    return null;
  }
}
