/** One message, ready to go: both parts rendered, every value in `html` already escaped. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Injection token of the Mailer chosen by configuration. */
export const MAILER = Symbol('MAILER');

/** Delivers a message; rejects with the reason when it could not. */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
  /** Where mail goes, for the start-up log (never a password). */
  describe(): string;
}
