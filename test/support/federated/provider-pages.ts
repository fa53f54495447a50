import type { Browser } from './browser.js';

const isInteraction = (url: URL) => url.pathname.startsWith('/interaction/');

/**
 * What a person does at the test OpenID provider's development pages: follows the authorization
 * request, signs in as `subject` (any password), consents, and is sent back. Returns the callback URL
 * the provider redirected to, not yet visited.
 */
export async function approveAtProvider(
  browser: Browser,
  authorizationUrl: string | URL,
  subject: string,
  isCallback: (url: URL) => boolean,
): Promise<URL> {
  let next = await browser.followUntil(authorizationUrl, (url) => isInteraction(url) || isCallback(url));
  while (!isCallback(next)) {
    const page = await (await browser.get(next)).text();
    const prompt = /name="prompt" value="(\w+)"/.exec(page)?.[1];
    const form =
      prompt === 'login' ? { prompt, login: subject, password: 'any password' } : { prompt: 'consent' };
    const res = await browser.submit(next, form as Record<string, string>);
    const location = res.headers.get('location');
    if (!location)
      throw new Error(
        `the provider answered ${res.status} to the ${String(prompt)} form: ${await res.text()}`,
      );
    next = await browser.followUntil(new URL(location, next), (url) => isInteraction(url) || isCallback(url));
  }
  return next;
}

/** The person cancels at the provider's sign-in page ("[ Cancel ]"): the provider answers access_denied. */
export async function cancelAtProvider(
  browser: Browser,
  authorizationUrl: string | URL,
  isCallback: (url: URL) => boolean,
): Promise<URL> {
  const interaction = await browser.followUntil(authorizationUrl, isInteraction);
  return browser.followUntil(new URL(`${interaction.pathname}/abort`, interaction), isCallback);
}
