import { InMemoryPresence } from './in-memory-presence.js';

describe('InMemoryPresence', () => {
  it('keeps a user online until their last socket disconnects', async () => {
    const presence = new InMemoryPresence();
    expect(await presence.connect('a')).toBe(true);
    expect(await presence.connect('a')).toBe(false);
    expect(await presence.connect('b')).toBe(true);
    expect((await presence.online()).sort()).toEqual(['a', 'b']);
    expect(await presence.disconnect('a')).toBe(false);
    expect(await presence.online()).toContain('a');
    expect(await presence.disconnect('a')).toBe(true);
    expect(await presence.online()).toEqual(['b']);
  });

  it('ignores a disconnect it never counted', async () => {
    const presence = new InMemoryPresence();
    expect(await presence.disconnect('ghost')).toBe(false);
    expect(await presence.online()).toEqual([]);
  });
});
