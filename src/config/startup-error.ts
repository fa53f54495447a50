/**
 * A start-up failure that a person must fix (a database that cannot be reached, ...), not a bug: its
 * message says what is wrong and what to check, so it is logged alone, on one line, with no stack.
 */
export class StartupError extends Error {
  override name = 'StartupError';
}
