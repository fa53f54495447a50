import { createTransport, type Transporter } from 'nodemailer';
import { type AppConfig, smtpHost } from '../config/app-config.js';
import type { Mailer, MailMessage } from './mailer.js';

/**
 * Sends through an SMTP server (SMTP_URL) with bounded connection, greeting and socket waits. Unless
 * SMTP_TLS=off, the connection is TLS (smtps://, or STARTTLS that must succeed) with a verified
 * certificate before anything is said, the login included: a relay that offers no STARTTLS, or an
 * attacker who strips it, gets an error and no password, no link.
 */
export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;
  private readonly url: URL;

  constructor(
    private readonly settings: Pick<AppConfig['mail'], 'from' | 'timeoutMs' | 'smtpTls' | 'smtpCa'> & {
      smtpUrl: string;
    },
  ) {
    const { smtpUrl, from, timeoutMs, smtpTls, smtpCa } = settings;
    this.url = new URL(smtpUrl);
    const { protocol, port, username, password } = this.url;
    // Built from the URL's parts, not handed the URL: nodemailer would take TLS options from its query.
    this.transport = createTransport(
      {
        host: smtpHost(smtpUrl),
        ...(port ? { port: Number(port) } : {}),
        secure: protocol === 'smtps:',
        ...(username || password
          ? { auth: { user: decodeURIComponent(username), pass: decodeURIComponent(password) } }
          : {}),
        requireTLS: smtpTls === 'required',
        ignoreTLS: smtpTls === 'off',
        ...(smtpCa ? { tls: { ca: smtpCa } } : {}),
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
    const { protocol, hostname, port } = this.url;
    const tls =
      protocol === 'smtps:' ? 'TLS' : this.settings.smtpTls === 'off' ? 'no TLS' : 'STARTTLS required';
    return `SMTP ${protocol}//${hostname}${port ? `:${port}` : ''} (${tls})`;
  }
}
