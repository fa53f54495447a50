import type { MailMessage } from '../mailer.js';
import { layout } from './layout.js';

/** The words of every message the API sends. Values are plain strings: layout() escapes the HTML. */

export interface Recipient {
  email: string;
  fullName: string;
  emailVerified: boolean;
}

const NOT_YOU = 'If you did not ask for this, you can ignore this email.';

/**
 * Anyone can sign up with anyone's address, so a message to an address its owner has not confirmed
 * carries nothing the account's creator wrote: not the name ("Claim your prize at https://..."), not
 * an address they chose. Otherwise our sender would deliver a stranger's words with our reputation.
 */
function nameFor(to: Recipient): string | undefined {
  return to.emailVerified === true ? to.fullName : undefined;
}

export function passwordResetEmail(to: Recipient, link: string, validMinutes: number): MailMessage {
  return layout(to.email, {
    subject: 'Reset your password',
    fullName: nameFor(to),
    paragraphs: [
      `Someone asked to reset the password of your account. The link works once, for ${validMinutes} minutes.`,
    ],
    action: { label: 'Choose a new password', url: link },
    closing: [`${NOT_YOU} Your password stays as it is.`],
  });
}

export function passwordChangedEmail(to: Recipient, appUrl: string): MailMessage {
  return layout(to.email, {
    subject: 'Your password was changed',
    fullName: nameFor(to),
    paragraphs: [
      'The password of your account was just changed, and every device was signed out.',
      'If this was not you, reset your password at once and check your account.',
    ],
    action: { label: 'Open the app', url: appUrl },
  });
}

export function verifyEmailEmail(to: Recipient, link: string): MailMessage {
  return layout(to.email, {
    subject: 'Confirm your email address',
    fullName: nameFor(to),
    paragraphs: ['Please confirm that this is your email address.'],
    action: { label: 'Confirm my address', url: link },
    closing: [NOT_YOU],
  });
}

/** To the new address, which nobody has confirmed yet: no name, not the current address either. */
export function confirmEmailChangeEmail(newEmail: string, link: string): MailMessage {
  return layout(newEmail, {
    subject: 'Confirm your new email address',
    paragraphs: [
      'Someone asked to make this the email address of their account. It changes once you confirm it.',
    ],
    action: { label: 'Confirm the new address', url: link },
    closing: [`${NOT_YOU} The address will not change.`],
  });
}

export function emailChangeRequestedEmail(to: Recipient, newEmail: string): MailMessage {
  const verified = to.emailVerified === true;
  return layout(to.email, {
    subject: 'Your email address is about to change',
    fullName: nameFor(to),
    paragraphs: [
      verified
        ? `Someone signed in to your account asked to change its email address to ${newEmail}. It changes only when the link sent to that address is used.`
        : 'Someone signed in to your account asked to change its email address. It changes only when the link sent to the new address is used.',
      'If this was not you, change your password now: whoever asked knows it.',
    ],
  });
}
