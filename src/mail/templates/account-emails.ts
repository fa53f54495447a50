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

const NOT_YOU_SECURE =
  'If this was not you, change your password at once: whoever did it knows it and was signed in to your account.';

export function twoFactorEnabledEmail(to: Recipient, appUrl: string): MailMessage {
  return layout(to.email, {
    subject: 'Two-factor sign-in is on',
    fullName: to.fullName,
    paragraphs: [
      'Signing in to your account now also asks for a code from your authenticator app, or one of your recovery codes. Every other device was signed out.',
      'Keep your recovery codes somewhere safe: each one signs you in once if you lose your phone.',
      NOT_YOU_SECURE,
    ],
    action: { label: 'Open the app', url: appUrl },
  });
}

export function twoFactorDisabledEmail(to: Recipient, appUrl: string): MailMessage {
  return layout(to.email, {
    subject: 'Two-factor sign-in is off',
    fullName: to.fullName,
    paragraphs: [
      'Two-factor sign-in was just turned off for your account: signing in now takes only your password.',
      NOT_YOU_SECURE,
    ],
    action: { label: 'Open the app', url: appUrl },
  });
}

export function recoveryCodeUsedEmail(to: Recipient, remaining: number, appUrl: string): MailMessage {
  return layout(to.email, {
    subject: 'A recovery code was used',
    fullName: to.fullName,
    paragraphs: [
      `One of your recovery codes was just used for your account, and cannot be used again. ${remaining} of them ${remaining === 1 ? 'is' : 'are'} left; you can make a new set in your account's security settings.`,
      NOT_YOU_SECURE,
    ],
    action: { label: 'Open the app', url: appUrl },
  });
}

/** The passkey's name is the account holder's words: said only to an address its owner confirmed. */
function passkeyCalled(to: Recipient, name: string): string {
  return to.emailVerified === true ? `A passkey named "${name}"` : 'A passkey';
}

export function passkeyAddedEmail(to: Recipient, name: string, appUrl: string): MailMessage {
  return layout(to.email, {
    subject: 'A passkey was added to your account',
    fullName: nameFor(to),
    paragraphs: [
      `${passkeyCalled(to, name)} was just added to your account: it now signs in without the password or a code.`,
      "If this was not you, remove it in your account's security settings and change your password at once: whoever added it was signed in to your account.",
    ],
    action: { label: 'Open the app', url: appUrl },
  });
}

/** `provider`: the button's name (Google, GitHub, or OIDC_NAME). */
export function signInMethodAddedEmail(to: Recipient, provider: string, appUrl: string): MailMessage {
  return layout(to.email, {
    subject: `${provider} sign-in was added to your account`,
    fullName: nameFor(to),
    paragraphs: [
      `Your account can now be signed in to with ${provider}, as well as the ways it had before.`,
      `If this was not you, remove ${provider} sign-in in your account's security settings, and change your password.`,
    ],
    action: { label: 'Open the app', url: appUrl },
  });
}

export function passkeyRemovedEmail(to: Recipient, name: string, appUrl: string): MailMessage {
  return layout(to.email, {
    subject: 'A passkey was removed from your account',
    fullName: nameFor(to),
    paragraphs: [
      `${passkeyCalled(to, name)} was just removed from your account and no longer signs in.`,
      NOT_YOU_SECURE,
    ],
    action: { label: 'Open the app', url: appUrl },
  });
}

export function signInMethodRemovedEmail(to: Recipient, provider: string, appUrl: string): MailMessage {
  return layout(to.email, {
    subject: `${provider} sign-in was removed from your account`,
    fullName: nameFor(to),
    paragraphs: [
      `Your account can no longer be signed in to with ${provider}.`,
      'If this was not you, someone is signed in to your account: sign out everywhere and change your password.',
    ],
    action: { label: 'Open the app', url: appUrl },
  });
}
