import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { Mailbox, parseMail, type ReceivedMail } from './mailbox.js';

/** A real SMTP server on 127.0.0.1 that keeps what it receives and the logins it saw. */
export class SmtpSink extends Mailbox {
  readonly logins: string[] = [];
  private readonly messages: ReceivedMail[] = [];
  private readonly server: SMTPServer;
  port = 0;

  constructor(private readonly credentials: { user: string; pass: string }) {
    super();
    this.server = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      logger: false,
      onAuth: (auth, _session, callback) => {
        if (auth.username !== this.credentials.user || auth.password !== this.credentials.pass) {
          callback(new Error('Invalid username or password'));
          return;
        }
        this.logins.push(auth.username ?? '');
        callback(null, { user: auth.username });
      },
      onData: (stream, _session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          parseMail(Buffer.concat(chunks))
            .then((mail) => this.messages.push(mail))
            .then(() => callback(), callback);
        });
      },
    });
  }

  async start(): Promise<this> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server.server, 'listening');
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    const { user, pass } = this.credentials;
    return `smtp://${encodeURIComponent(user)}:${encodeURIComponent(pass)}@127.0.0.1:${this.port}`;
  }

  received(): Promise<ReceivedMail[]> {
    return Promise.resolve([...this.messages]);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
