import { escapeHtml } from '../../mail/templates/html.js';

/**
 * The shell of the pages the emailed links open: no framework, no inline script (helmet's CSP allows
 * scripts from this origin only), so each loads its script from the route beside it. Relative URLs
 * keep them working behind a proxy that serves the API under another path. `body` is trusted HTML.
 */
export function linkPage(title: string, scriptPath: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font-family: system-ui, Arial, sans-serif; max-width: 420px; margin: 3rem auto; padding: 0 1rem; color: #222; }
  label { display: block; margin: 1rem 0 .25rem; }
  input { width: 100%; padding: .5rem; font-size: 1rem; box-sizing: border-box; }
  button { margin-top: 1.25rem; padding: .6rem 1.2rem; font-size: 1rem; }
  .error { color: #b91c1c; }
  .ok { color: #15803d; }
</style>
<script src="${escapeHtml(scriptPath)}" defer></script>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<noscript><p class="error">This page needs JavaScript.</p></noscript>
${body}
</body>
</html>
`;
}
