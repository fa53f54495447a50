/** Injection token of the limiter on sending messages. */
export const SEND_RATE_LIMITER = Symbol('SendRateLimiter');

/** Messages a user may send per window. */
export const SEND_LIMIT = { messages: 30, windowMs: 10_000 } as const;

export interface SendRateLimiter {
  /**
   * Counts one message of `key` (a user id). Resolves to 0 when it is allowed, or to the number of
   * seconds to wait (Retry-After) when the key is over its limit; refused attempts are not counted.
   */
  consume(key: string): Promise<number>;
}

/** What RATE_LIMIT_AUTH_PER_MINUTE=0 installs: every message is allowed. */
export class UnlimitedSendRateLimiter implements SendRateLimiter {
  consume(): Promise<number> {
    return Promise.resolve(0);
  }
}
