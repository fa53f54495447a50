import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { SMTPServer } from 'smtp-server';
import { Mailbox, parseMail, type ReceivedMail } from './mailbox.js';

/**
 * The sink's self-signed certificate (for 127.0.0.1, ::1 and localhost, valid until 2126): give the app
 * `SMTP_CA_FILE: SmtpSink.CA_FILE` to trust it.
 */
const CERT_FILE = fileURLToPath(new URL('tls/smtp-sink.crt', import.meta.url));
const KEY_FILE = fileURLToPath(new URL('tls/smtp-sink.key', import.meta.url));

/**
 * A real SMTP server on 127.0.0.1 that keeps what it receives and the logins it saw. It offers
 * STARTTLS with its own certificate, unless started with `{ starttls: false }` (a relay without TLS, or
 * one whose STARTTLS an attacker stripped); it takes a login and mail either way.
 */
export class SmtpSink extends Mailbox {
  static readonly CA_FILE = CERT_FILE;
  readonly logins: string[] = [];
  /** Whether each connection that logged in or sent mail had switched to TLS first. */
  readonly sessions: Array<{ secure: boolean }> = [];
  private readonly messages: ReceivedMail[] = [];
  private readonly server: SMTPServer;
  port = 0;

  constructor(
    private readonly credentials: { user: string; pass: string },
    { starttls = true }: { starttls?: boolean } = {},
  ) {
    super();
    this.server = new SMTPServer({
      ...(starttls
        ? { key: readFileSync(KEY_FILE), cert: readFileSync(CERT_FILE) }
        : { disabledCommands: ['STARTTLS'], hideSTARTTLS: true }),
      allowInsecureAuth: true,
      logger: false,
      onAuth: (auth, session, callback) => {
        this.sessions.push({ secure: session.secure });
        if (auth.username !== this.credentials.user || auth.password !== this.credentials.pass) {
          callback(new Error('Invalid username or password'));
          return;
        }
        this.logins.push(auth.username ?? '');
        callback(null, { user: auth.username });
      },
      onData: (stream, session, callback) => {
        this.sessions.push({ secure: session.secure });
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
