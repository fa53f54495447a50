import { escapeHtml } from '../../mail/templates/html.js';

/**
 * The page behind the reset link: no framework, no inline script (helmet's CSP allows scripts from
 * this origin only), so it loads RESET_PASSWORD_SCRIPT from the route beside it. Relative URLs keep it
 * working behind a proxy that serves the API under another path.
 */
export function resetPasswordPage(appUrl: string, minLength: number): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Choose a new password</title>
<style>
  body { font-family: system-ui, Arial, sans-serif; max-width: 420px; margin: 3rem auto; padding: 0 1rem; color: #222; }
  label { display: block; margin: 1rem 0 .25rem; }
  input { width: 100%; padding: .5rem; font-size: 1rem; box-sizing: border-box; }
  button { margin-top: 1.25rem; padding: .6rem 1.2rem; font-size: 1rem; }
  .error { color: #b91c1c; }
  .ok { color: #15803d; }
</style>
<script src="reset-password.js" defer></script>
</head>
<body>
<h1>Choose a new password</h1>
<noscript><p class="error">This page needs JavaScript.</p></noscript>
<form id="reset-form" method="post" action="reset-password">
  <label for="new-password">New password</label>
  <input id="new-password" name="newPassword" type="password" autocomplete="new-password" minlength="${minLength}" maxlength="128" required>
  <label for="confirm-password">New password, again</label>
  <input id="confirm-password" name="confirmPassword" type="password" autocomplete="new-password" minlength="${minLength}" maxlength="128" required>
  <button type="submit">Set the new password</button>
</form>
<p id="result" role="status" aria-live="polite"></p>
<p><a id="app-link" href="${escapeHtml(appUrl)}">Back to the app</a></p>
</body>
</html>
`;
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
