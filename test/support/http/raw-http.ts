import { connect, type Socket } from 'node:net';

/** A raw connection: write bytes, read what comes back. */
export class RawClient {
  private readonly socket: Socket;
  private received = '';
  private closed = false;

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('data', (chunk: Buffer) => (this.received += chunk.toString('latin1')));
    this.socket.on('close', () => (this.closed = true));
    this.socket.on('error', () => undefined);
  }

  send(bytes: string): void {
    this.socket.write(bytes);
  }

  /** Waits for `count` complete responses (each with a Content-Length), or fails after `timeoutMs`. */
  async responses(
    count: number,
    timeoutMs = 5000,
  ): Promise<Array<{ status: string; headers: string; body: string }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const parsed = parseResponses(this.received);
      if (parsed.length >= count) return parsed;
      if (this.closed || Date.now() > deadline) {
        throw new Error(`expected ${count} responses, got: ${JSON.stringify(this.received)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

export function parseResponses(text: string) {
  const responses: Array<{ status: string; headers: string; body: string }> = [];
  let rest = text;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) return responses;
    const head = rest.slice(0, end);
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    if (rest.length < end + 4 + length) return responses;
    responses.push({
      status: head.split('\r\n')[0],
      headers: head,
      body: rest.slice(end + 4, end + 4 + length),
    });
    rest = rest.slice(end + 4 + length);
  }
}
