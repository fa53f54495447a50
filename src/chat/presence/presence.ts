/** Injection token of the presence registry (in memory, or in Redis with REDIS_URL set). */
export const PRESENCE = Symbol('Presence');

/** Announced when users went offline without a disconnect here (an instance died): lists are stale. */
export const PRESENCE_CHANGED = 'presence.changed';

/** Who is online, counted in sockets: a person with two tabs stays online until the last closes. */
export interface Presence {
  /** Counts one more socket of the user; true when the user has just come online. */
  connect(userId: string): Promise<boolean>;
  /** Counts one socket fewer; true when the user has just gone offline. */
  disconnect(userId: string): Promise<boolean>;
  online(): Promise<string[]>;
}
