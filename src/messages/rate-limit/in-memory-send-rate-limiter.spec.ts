import { InMemorySendRateLimiter } from './in-memory-send-rate-limiter.js';

describe('InMemorySendRateLimiter', () => {
  let now = 1_000_000;
  const limiter = () => new InMemorySendRateLimiter(3, 10_000, () => now);

  it('allows `limit` messages per window, then answers the seconds left', async () => {
    const subject = limiter();
    for (let i = 0; i < 3; i++) expect(await subject.consume('a')).toBe(0);
    expect(await subject.consume('a')).toBe(10);
    now += 4_200;
    expect(await subject.consume('a')).toBe(6);
  });

  it('counts each key on its own', async () => {
    const subject = limiter();
    for (let i = 0; i < 3; i++) await subject.consume('a');
    expect(await subject.consume('a')).toBeGreaterThan(0);
    expect(await subject.consume('b')).toBe(0);
  });

  it('opens a new window once the old one has ended, and forgets expired windows', async () => {
    const subject = limiter();
    for (let i = 0; i < 3; i++) await subject.consume('a');
    now += 10_000;
    expect(await subject.consume('a')).toBe(0);
    expect(await subject.consume('a')).toBe(0);
    expect(await subject.consume('a')).toBe(0);
    expect(await subject.consume('a')).toBeGreaterThan(0);
  });
});
