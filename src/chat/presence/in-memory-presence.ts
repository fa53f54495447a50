import type { Presence } from './presence.js';

/** Socket counts of this process only: right for a single instance. */
export class InMemoryPresence implements Presence {
  private readonly sockets = new Map<string, number>();

  connect(userId: string): Promise<boolean> {
    const count = this.sockets.get(userId) ?? 0;
    this.sockets.set(userId, count + 1);
    return Promise.resolve(count === 0);
  }

  disconnect(userId: string): Promise<boolean> {
    const count = this.sockets.get(userId) ?? 0;
    if (count <= 1) {
      this.sockets.delete(userId);
      return Promise.resolve(count === 1);
    }
    this.sockets.set(userId, count - 1);
    return Promise.resolve(false);
  }

  online(): Promise<string[]> {
    return Promise.resolve([...this.sockets.keys()]);
  }
}
