/** What every authenticator app expects: SHA-1, six digits, a new code every 30 seconds. */
const PERIOD_SECONDS = 30;
const DIGITS = 6;
/** One step either side of the current one: a phone clock a little off, or a code typed as it changed. */
const TOLERANCE_SECONDS = PERIOD_SECONDS;
/** 20 random bytes: the 160 bits RFC 4226 recommends. */
const SECRET_BYTES = 20;

/** Loaded by the first two-factor set-up or code, like the other libraries of rare routes. */
const otplib = () => import('otplib');

/** A new base32 TOTP secret. */
export async function newTotpSecret(): Promise<string> {
  const { generateSecret } = await otplib();
  return generateSecret({ length: SECRET_BYTES });
}

/** The `otpauth://totp/<issuer>:<account>?secret=…&issuer=…` URI an authenticator app scans. */
export async function totpUri(issuer: string, account: string, secret: string): Promise<string> {
  const { generateURI } = await otplib();
  return generateURI({
    issuer,
    label: account,
    secret,
    algorithm: 'sha1',
    digits: DIGITS,
    period: PERIOD_SECONDS,
  });
}

/**
 * The time step of `code` when it is the code of the current step or of one either side, and of a
 * step later than `afterStep`; null otherwise (including anything that is not six digits).
 */
export async function matchTotp(
  secret: string,
  code: string,
  now: Date,
  afterStep?: number,
): Promise<number | null> {
  if (!/^\d{6}$/.test(code)) return null;
  const epoch = Math.floor(now.getTime() / 1000);
  const lastStepInWindow = Math.floor((epoch + TOLERANCE_SECONDS) / PERIOD_SECONDS);
  // otplib throws when afterStep is past the window (a clock that went back): nothing can match then.
  if (afterStep !== undefined && afterStep >= lastStepInWindow) return null;
  const { verify } = await otplib();
  const result = await verify({
    secret,
    token: code,
    epoch,
    period: PERIOD_SECONDS,
    digits: DIGITS,
    algorithm: 'sha1',
    epochTolerance: TOLERANCE_SECONDS,
    afterTimeStep: afterStep,
  });
  return result.valid && 'timeStep' in result ? result.timeStep : null;
}
