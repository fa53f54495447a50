const UNAVAILABLE_ERRORS = new Set([
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError',
]);

/** The database cannot be reached right now (as opposed to a bad query). */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (UNAVAILABLE_ERRORS.has(error.name)) return true;
  return (
    error.name === 'MongooseError' &&
    /buffering timed out|disconnected|client was closed/i.test(error.message)
  );
}

export function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}

/** An error from the driver or Mongoose's connection layer (as opposed to our own code's). */
export function isDatabaseError(error: unknown): boolean {
  return error instanceof Error && error.name.startsWith('Mongo');
}

/** Announced by the exception filter for every request that failed because of the database. */
export const DATABASE_ERROR = 'database.error';

export interface DatabaseErrorEvent {
  /** `unavailable`: the database could not be reached (503); `query`: it answered with an error (500). */
  kind: 'unavailable' | 'query';
}
