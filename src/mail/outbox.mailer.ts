import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import type { Mailer, MailMessage } from './mailer.js';

/**
 * The zero-config default: each message becomes an .eml file (open it in any mail client) whose path
 * is logged, so the whole flow works on a laptop with no mail server. The links themselves are not
 * logged: they hold tokens as good as a password, and logs travel further than DATA_DIR.
 */
export class OutboxMailer implements Mailer {
  private readonly logger = new Logger('Outbox');
  private readonly composer: Transporter;

  constructor(
    private readonly dir: string,
    from: string,
  ) {
    this.composer = createTransport({ streamTransport: true, buffer: true, newline: 'unix' }, { from });
  }

  async send({ to, subject, text, html }: MailMessage): Promise<void> {
    const { message } = (await this.composer.sendMail({
      to,
      subject,
      text,
      html,
    })) as { message: Buffer };
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const file = join(this.dir, `${stamp}-${randomBytes(4).toString('hex')}.eml`);
    // The links inside are as good as a password for a while: readable by this user only.
    await writeFile(file, message, { mode: 0o600 });
    this.logger.log(`"${subject}" to ${to} written to ${file}`);
  }

  describe(): string {
    return `outbox ${this.dir} (nothing is sent; set SMTP_URL to send)`;
  }
}
