import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type AddressObject, simpleParser } from 'mailparser';

/** The subjects of the messages the app sends (src/mail/templates/account-emails.ts). */
export const SUBJECT = {
  verify: 'Confirm your email address',
  confirmNewAddress: 'Confirm your new email address',
  addressChanging: 'Your email address is about to change',
  reset: 'Reset your password',
  passwordChanged: 'Your password was changed',
} as const;

/** A message as a person's mail client would show it. */
export interface ReceivedMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  links: string[];
}

export async function parseMail(raw: Buffer): Promise<ReceivedMail> {
  const mail = await simpleParser(raw);
  const address = (value: AddressObject | AddressObject[] | undefined) =>
    [value ?? []]
      .flat()
      .map((entry) => entry.text)
      .join(', ');
  const text = mail.text ?? '';
  return {
    from: address(mail.from),
    to: address(mail.to),
    subject: mail.subject ?? '',
    text,
    html: typeof mail.html === 'string' ? mail.html : '',
    links: text.match(/https?:\/\/\S+/g) ?? [],
  };
}

/** The `token` query parameter of a link. */
export function tokenOf(link: string): string {
  return new URL(link).searchParams.get('token') ?? '';
}

/** The path and query of a link in an email, to call through supertest. */
export function pathOf(link: string): string {
  const url = new URL(link);
  return `${url.pathname}${url.search}`;
}

/** Where a test finds the mail the app sent: the outbox folder or a real SMTP server. */
export abstract class Mailbox {
  abstract received(): Promise<ReceivedMail[]>;

  /** Messages to `to` (optionally with a subject), oldest first. */
  async to(to: string, subject?: string): Promise<ReceivedMail[]> {
    return (await this.received()).filter(
      (mail) => mail.to.includes(to) && (subject === undefined || mail.subject === subject),
    );
  }

  /** Waits for the `count`-th message to `to` with `subject`, and returns it. */
  async waitFor(to: string, subject: string, count = 1): Promise<ReceivedMail> {
    return vi.waitFor(
      async () => {
        const found = await this.to(to, subject);
        if (found.length < count) throw new Error(`no message "${subject}" #${count} to ${to} yet`);
        return found[count - 1];
      },
      { timeout: 10_000, interval: 50 },
    );
  }
}

/** The development outbox: one .eml file per message, named so that they sort by time. */
export class OutboxMailbox extends Mailbox {
  constructor(readonly dir: string) {
    super();
  }

  /** The outbox of an app whose DATA_DIR is `dataDir`. */
  static of(dataDir: string): OutboxMailbox {
    return new OutboxMailbox(join(dataDir, 'outbox'));
  }

  async received(): Promise<ReceivedMail[]> {
    const files = await this.files();
    return Promise.all(files.map(async (file) => parseMail(await readFile(join(this.dir, file)))));
  }

  /** How many messages there are, without reading them. */
  async count(): Promise<number> {
    return (await this.files()).length;
  }

  private async files(): Promise<string[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    return names.filter((name) => name.endsWith('.eml')).sort();
  }
}
