import { Session } from 'node:inspector';

/**
 * Once the app listens: the full, memory-reducing garbage collection V8 makes when told memory is
 * low. Start-up leaves some 15 MB of garbage (module sources compiled once, Nest's scanning of the
 * modules) that V8 would otherwise keep until its memory reducer finds the process idle, 10 to 20
 * seconds later. Asked through an in-process inspector session: no port, no flag.
 */
export function collectStartupGarbage(): void {
  const session = new Session();
  try {
    session.connect();
  } catch {
    return; // A Node built without the inspector: V8's memory reducer will do it.
  }
  // Disconnecting from within the callback would hang the process (Node 20).
  session.post('HeapProfiler.collectGarbage', () => setImmediate(() => session.disconnect()));
}
