import { ConfigurationError, type EnvironmentVariables } from './environment.js';
import { parseOrigins } from './origins.js';

export interface PasskeysConfig {
  /** The WebAuthn relying party id: a domain every origin below is, or is a subdomain of. */
  rpId: string;
  /** The name authenticators show beside the passkey. */
  rpName: string;
  /** The pages allowed to register and use passkeys (the `origin` of the client data). */
  origins: string[];
}

/**
 * WEBAUTHN_RP_ID defaults to the host of APP_URL; WEBAUTHN_ORIGINS to those of APP_URL and API_URL
 * whose host the RP ID covers. A passkey is bound to its RP ID for good, so a mismatch stops the app
 * here rather than leaving every ceremony to fail in the browser.
 */
export function passkeysConfig(
  env: EnvironmentVariables,
  urls: { appUrl: string; apiUrl: string; appName: string },
): PasskeysConfig {
  const rpId = env.WEBAUTHN_RP_ID ?? new URL(urls.appUrl).hostname;
  const rpName = env.WEBAUTHN_RP_NAME ?? urls.appName;
  if (env.WEBAUTHN_ORIGINS === undefined) {
    const origins = [...new Set([urls.appUrl, urls.apiUrl].map((url) => new URL(url).origin))].filter(
      (origin) => covers(rpId, origin),
    );
    if (origins.length === 0) {
      throw new ConfigurationError([
        `WEBAUTHN_RP_ID (${rpId}) is neither the host of APP_URL nor of API_URL, nor a parent domain of one: set WEBAUTHN_ORIGINS to the origins of the pages that use passkeys`,
      ]);
    }
    return { rpId, rpName, origins };
  }
  const origins = parseOrigins(env.WEBAUTHN_ORIGINS, 'WEBAUTHN_ORIGINS');
  if (origins.length === 0) {
    throw new ConfigurationError(['WEBAUTHN_ORIGINS must list at least one origin, or be left unset']);
  }
  const outside = origins.filter((origin) => !covers(rpId, origin));
  if (outside.length > 0) {
    throw new ConfigurationError([
      `WEBAUTHN_ORIGINS has ${outside.join(', ')}, whose host is not WEBAUTHN_RP_ID (${rpId}) nor a subdomain of it${env.WEBAUTHN_RP_ID === undefined ? ' (WEBAUTHN_RP_ID defaults to the host of APP_URL)' : ''}`,
    ]);
  }
  return { rpId, rpName, origins };
}

/** Whether `rpId` is the host of `origin` or a parent domain of it (a registrable suffix). */
function covers(rpId: string, origin: string): boolean {
  const host = new URL(origin).hostname;
  return host === rpId || host.endsWith(`.${rpId}`);
}
