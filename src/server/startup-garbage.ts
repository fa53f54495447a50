import { Session } from 'node:inspector';

/**
 * The full, memory-reducing garbage collection V8 makes when told memory is low, once the app is
 * initialised and before it listens. Start-up leaves some 15 MB of garbage (module sources compiled
 * once, Nest's scanning of the modules) that V8 would otherwise keep until its memory reducer finds
 * the process idle, 10 to 20 seconds later. It takes about 100 ms, which no request waits for here.
 * Asked through an in-process inspector session: no port, no flag.
 */
export function collectStartupGarbage(): Promise<void> {
  const session = new Session();
  try {
    session.connect();
  } catch {
    return Promise.resolve(); // A Node built without the inspector: V8's memory reducer will do it.
  }
  return new Promise((resolve) =>
    session.post('HeapProfiler.collectGarbage', () => {
      // Disconnecting from within this callback would hang the process (Node 20).
      setImmediate(() => {
        session.disconnect();
        resolve();
      });
    }),
  );
}
