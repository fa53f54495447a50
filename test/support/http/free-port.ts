import { createServer } from 'node:net';

/**
 * A free port below Linux's ephemeral range (32768+), which the OS never hands out by itself: a port
 * from listen(0) could be given to another test's server between our probe and the child's listen,
 * and then that server would answer the child's health check.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await canListen(port)) return port;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer()
      .once('error', () => resolve(false))
      .listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}
