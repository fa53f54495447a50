import { ExpiringCache } from './expiring-cache.js';

describe('ExpiringCache', () => {
  it('caches a loaded value and serves it without loading again', async () => {
    const cache = new ExpiringCache<string>(60_000);
    const load = vi.fn(async () => 'value');
    expect(await cache.getOrLoad('k', load)).toBe('value');
    expect(await cache.getOrLoad('k', load)).toBe('value');
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('does not cache a value whose load overlapped a delete (e.g. a logout)', async () => {
    const cache = new ExpiringCache<string>(60_000);
    let finish!: (value: string) => void;
    const pending = cache.getOrLoad('k', () => new Promise((resolve) => (finish = resolve)));
    cache.delete('k');
    finish('stale');
    expect(await pending).toBe('stale');
    expect(cache.get('k')).toBeUndefined();
  });

  it('does not cache null, lets entries expire, and evicts the oldest entry when full', async () => {
    vi.useFakeTimers();
    try {
      const cache = new ExpiringCache<string>(1000, 2);
      expect(await cache.getOrLoad('missing', async () => null)).toBeNull();
      expect(cache.get('missing')).toBeUndefined();
      cache.set('a', 'A');
      cache.set('b', 'B');
      cache.set('c', 'C');
      expect(cache.get('a')).toBeUndefined();
      expect(cache.get('c')).toBe('C');
      vi.advanceTimersByTime(1001);
      expect(cache.get('c')).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });

  it('deleteWhere removes matching entries only', () => {
    const cache = new ExpiringCache<{ user: string }>(60_000);
    cache.set('s1', { user: 'u1' });
    cache.set('s2', { user: 'u2' });
    cache.deleteWhere((value) => value.user === 'u1');
    expect(cache.get('s1')).toBeUndefined();
    expect(cache.get('s2')).toEqual({ user: 'u2' });
  });
});
