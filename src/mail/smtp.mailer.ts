import { createTransport, type Transporter } from 'nodemailer';
import type { Mailer, MailMessage } from './mailer.js';

/** Sends through an SMTP server (SMTP_URL) with bounded connection, greeting and socket waits. */
export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;

  constructor(
    private readonly url: string,
    from: string,
    timeoutMs: number,
  ) {
    this.transport = createTransport(
      {
        url,
        connectionTimeout: timeoutMs,
        greetingTimeout: timeoutMs,
        socketTimeout: timeoutMs,
      },
      { from },
    );
  }

  async send({ to, subject, text, html }: MailMessage): Promise<void> {
    await this.transport.sendMail({ to, subject, text, html });
  }

  describe(): string {
    const { protocol, hostname, port } = new URL(this.url);
    return `SMTP ${protocol}//${hostname}${port ? `:${port}` : ''}`;
  }
}
