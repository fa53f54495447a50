/** Injection token of the presence registry (in memory today; a shared store can replace it). */
export const PRESENCE = Symbol('Presence');

/** Who is online, counted in sockets: a person with two tabs stays online until the last closes. */
export interface Presence {
  /** Counts one more socket of the user; true when the user has just come online. */
  connect(userId: string): Promise<boolean>;
  /** Counts one socket fewer; true when the user has just gone offline. */
  disconnect(userId: string): Promise<boolean>;
  online(): Promise<string[]>;
}
