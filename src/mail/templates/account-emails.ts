import type { MailMessage } from '../mailer.js';
import { layout } from './layout.js';

/** The words of every message the API sends. Values are plain strings: layout() escapes the HTML. */

export interface Recipient {
  email: string;
  fullName: string;
}

const NOT_YOU = 'If you did not ask for this, you can ignore this email.';

export function passwordResetEmail(to: Recipient, link: string, validMinutes: number): MailMessage {
  return layout(to.email, {
    subject: 'Reset your password',
    fullName: to.fullName,
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
    fullName: to.fullName,
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
    fullName: to.fullName,
    paragraphs: ['Please confirm that this is your email address.'],
    action: { label: 'Confirm my address', url: link },
    closing: [NOT_YOU],
  });
}

export function confirmEmailChangeEmail(to: Recipient, newEmail: string, link: string): MailMessage {
  return layout(newEmail, {
    subject: 'Confirm your new email address',
    fullName: to.fullName,
    paragraphs: [
      `Your account's email address will change from ${to.email} to ${newEmail} once you confirm it.`,
    ],
    action: { label: 'Confirm the new address', url: link },
    closing: [`${NOT_YOU} The address will not change.`],
  });
}

export function emailChangeRequestedEmail(to: Recipient, newEmail: string): MailMessage {
  return layout(to.email, {
    subject: 'Your email address is about to change',
    fullName: to.fullName,
    paragraphs: [
      `Someone signed in to your account asked to change its email address to ${newEmail}. It changes only when the link sent to that address is used.`,
      'If this was not you, change your password now: whoever asked knows it.',
    ],
  });
}
