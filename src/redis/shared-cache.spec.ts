import { type Invalidation, type InvalidationChannel, SharedCache } from './shared-cache.js';

class RecordingChannel implements InvalidationChannel {
  trusted = true;
  readonly published: Invalidation[] = [];
  publish(invalidation: Invalidation): Promise<void> {
    this.published.push(invalidation);
    return Promise.resolve();
  }
}

describe('SharedCache', () => {
  const entry = (user: string) => ({ user });

  it('serves cached entries while the channel is trusted, and reads through while it is not', async () => {
    const channel = new RecordingChannel();
    const cache = new SharedCache<{ user: string }>('sessions', 60_000, channel, (value) => value.user);
    const load = vi.fn(async () => entry('u1'));
    await cache.getOrLoad('s1', load);
    await cache.getOrLoad('s1', load);
    expect(load).toHaveBeenCalledTimes(1);

    channel.trusted = false;
    await cache.getOrLoad('s1', load);
    await cache.getOrLoad('s1', load);
    expect(load).toHaveBeenCalledTimes(3);
    // Reads that went to the loader, bypassed or not, are the misses.
    expect(cache.stats).toEqual({ name: 'sessions', hits: 1, misses: 3 });
  });

  it('publishes its deletes and applies those of other instances', async () => {
    const channel = new RecordingChannel();
    const cache = new SharedCache<{ user: string }>('sessions', 60_000, channel, (value) => value.user);
    const load = vi.fn(async () => entry('u1'));
    for (const key of ['s1', 's2', 's3']) await cache.getOrLoad(key, load);

    await cache.delete('s1');
    await cache.deleteTag('u1', 's3');
    expect(channel.published).toEqual([
      { cache: 'sessions', key: 's1' },
      { cache: 'sessions', tag: 'u1', exceptKey: 's3' },
    ]);
    load.mockClear();
    for (const key of ['s1', 's2', 's3']) await cache.getOrLoad(key, load);
    expect(load).toHaveBeenCalledTimes(2);

    cache.apply({ cache: 'sessions', tag: 'u1' });
    await cache.getOrLoad('s3', load);
    expect(load).toHaveBeenCalledTimes(3);
  });

  it('does not keep a value loaded while an invalidation arrived', async () => {
    const cache = new SharedCache<{ user: string }>('users', 60_000, new RecordingChannel());
    let finish!: (value: { user: string }) => void;
    const pending = cache.getOrLoad('u1', () => new Promise((resolve) => (finish = resolve)));
    cache.apply({ cache: 'users', key: 'u1' });
    finish(entry('stale'));
    await pending;
    const load = vi.fn(async () => entry('fresh'));
    expect(await cache.getOrLoad('u1', load)).toEqual(entry('fresh'));
  });
});
