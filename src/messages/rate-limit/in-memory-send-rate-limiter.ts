import type { SendRateLimiter } from './send-rate-limiter.js';

/**
 * A fixed-window counter per key, in this process: with several instances each one counts on its
 * own (a shared store such as Redis implements the same interface).
 */
export class InMemorySendRateLimiter implements SendRateLimiter {
  private readonly windows = new Map<string, { count: number; resetsAt: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  consume(key: string): Promise<number> {
    const now = this.now();
    this.dropExpired(now);
    let window = this.windows.get(key);
    if (!window) {
      window = { count: 0, resetsAt: now + this.windowMs };
      this.windows.set(key, window);
    }
    if (window.count >= this.limit) {
      return Promise.resolve(Math.max(1, Math.ceil((window.resetsAt - now) / 1000)));
    }
    window.count += 1;
    return Promise.resolve(0);
  }

  /** Windows are created in time order, so the expired ones are at the front of the map. */
  private dropExpired(now: number): void {
    for (const [key, window] of this.windows) {
      if (window.resetsAt > now) break;
      this.windows.delete(key);
    }
  }
}
