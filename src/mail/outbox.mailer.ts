import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import type { Mailer, MailMessage } from './mailer.js';

/** The links of a message's text part (layout() writes each one as `label: url`). */
const LINK = /https?:\/\/\S+/g;
/** Longest line a message may hold (RFC 5322 2.1.1). */
const MAX_LINE_BYTES = 998;

/**
 * A text part written as it is, UTF-8 in 8 bits, so that `cat` shows a link whole on its line: by
 * itself nodemailer encodes any part with a line over 76 characters as quoted-printable, which folds
 * the link and its token across lines. A part with a line too long for a message is left to it.
 */
function unencoded(type: 'plain' | 'html', content: string): string | { raw: string } {
  if (content.split('\n').some((line) => Buffer.byteLength(line) > MAX_LINE_BYTES)) return content;
  const headers = `Content-Type: text/${type}; charset=utf-8\r\nContent-Transfer-Encoding: 8bit`;
  return { raw: `${headers}\r\n\r\n${content}` };
}

/**
 * The zero-config default: each message becomes an .eml file (open it in any mail client) whose path
 * is logged, so the whole flow works on a laptop with no mail server. The links themselves are logged
 * only with `logLinks` (NODE_ENV=development, what `npm start` runs): they hold tokens as good as a
 * password, and logs elsewhere travel further than DATA_DIR.
 */
export class OutboxMailer implements Mailer {
  private readonly logger = new Logger('Outbox');
  private readonly composer: Transporter;

  constructor(
    private readonly dir: string,
    from: string,
    private readonly logLinks = false,
  ) {
    this.composer = createTransport({ streamTransport: true, buffer: true, newline: 'unix' }, { from });
  }

  async send({ to, subject, text, html }: MailMessage): Promise<void> {
    const { message } = (await this.composer.sendMail({
      to,
      subject,
      text: unencoded('plain', text),
      html: unencoded('html', html),
    })) as { message: Buffer };
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const file = join(this.dir, `${stamp}-${randomBytes(4).toString('hex')}.eml`);
    // The links inside are as good as a password for a while: readable by this user only.
    await writeFile(file, message, { mode: 0o600 });
    this.logger.log(`"${subject}" to ${to} written to ${file}`);
    if (this.logLinks) {
      for (const link of text.match(LINK) ?? []) this.logger.log(`Link: ${link}`);
    }
  }

  describe(): string {
    return `outbox ${this.dir} (nothing is sent; set SMTP_URL to send)`;
  }
}
