import { escapeHtml } from '../../mail/templates/html.js';
import { linkPage } from '../email-tokens/link-page.js';

/**
 * The page behind the emailed verification link. Opening it changes nothing: mail scanners and link
 * previews fetch every link in a message, and would otherwise confirm an address no person has read.
 * The person's click posts the token (VERIFY_EMAIL_SCRIPT), then the page sends them to the app.
 */
export function verifyEmailPage(appUrl: string): string {
  return linkPage(
    'Confirm your email address',
    'verify-email.js',
    `<form id="verify-form" method="post" action="verify-email">
  <p>Press the button to confirm that this email address is yours.</p>
  <button type="submit">Confirm my email address</button>
</form>
<p id="result" role="status" aria-live="polite"></p>
<p><a id="app-link" href="${escapeHtml(appUrl)}">Go to the app</a></p>`,
  );
}

/** How long the page shows that the address is confirmed before it opens the app. */
const REDIRECT_DELAY_MS = 1500;

export const VERIFY_EMAIL_SCRIPT = `'use strict';
document.addEventListener('DOMContentLoaded', () => {
  const form = document.getElementById('verify-form');
  const result = document.getElementById('result');
  const button = form.querySelector('button');
  const app = document.getElementById('app-link').href;
  const token = new URLSearchParams(window.location.search).get('token') || '';
  const show = (text, ok) => {
    result.textContent = text;
    result.className = ok ? 'ok' : 'error';
  };
  if (!token) {
    form.hidden = true;
    show('This link is incomplete. Open the link from the email again.', false);
    return;
  }
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    button.disabled = true;
    try {
      const response = await fetch('verify-email', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ token }),
      });
      if (response.ok) {
        form.hidden = true;
        show('Your email address is confirmed. Opening the app…', true);
        setTimeout(() => window.location.assign(app), ${REDIRECT_DELAY_MS});
        return;
      }
      const body = await response.json().catch(() => ({}));
      show(body.message || 'Something went wrong, please try again.', false);
    } catch {
      show('The server could not be reached, please try again.', false);
    } finally {
      button.disabled = false;
    }
  });
});
`;
