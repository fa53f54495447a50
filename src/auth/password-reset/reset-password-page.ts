import { escapeHtml } from '../../mail/templates/html.js';
import { linkPage } from '../email-tokens/link-page.js';

/** The page behind the reset link: a form for the new password, posted by RESET_PASSWORD_SCRIPT. */
export function resetPasswordPage(appUrl: string, minLength: number): string {
  return linkPage(
    'Choose a new password',
    'reset-password.js',
    `<form id="reset-form" method="post" action="reset-password">
  <label for="new-password">New password</label>
  <input id="new-password" name="newPassword" type="password" autocomplete="new-password" minlength="${minLength}" maxlength="128" required>
  <label for="confirm-password">New password, again</label>
  <input id="confirm-password" name="confirmPassword" type="password" autocomplete="new-password" minlength="${minLength}" maxlength="128" required>
  <button type="submit">Set the new password</button>
</form>
<p id="result" role="status" aria-live="polite"></p>
<p><a id="app-link" href="${escapeHtml(appUrl)}">Back to the app</a></p>`,
  );
}

export const RESET_PASSWORD_SCRIPT = `'use strict';
document.addEventListener('DOMContentLoaded', () => {
  const form = document.getElementById('reset-form');
  const result = document.getElementById('result');
  const button = form.querySelector('button');
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
    const newPassword = form.elements.newPassword.value;
    if (newPassword !== form.elements.confirmPassword.value) {
      show('The two passwords do not match.', false);
      return;
    }
    button.disabled = true;
    try {
      const response = await fetch('reset-password', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ token, newPassword }),
      });
      if (response.status === 204) {
        form.hidden = true;
        show('Your password has been changed. You can now sign in with it.', true);
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
