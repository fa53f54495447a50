import { ConfigurationError } from './environment.js';

/** A comma-separated list of browser origins (`https://chat.example.com`); `variable` names it in errors. */
export function parseOrigins(value: string, variable: string): string[] {
  return value
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean)
    .map((origin) => {
      let url: URL;
      try {
        url = new URL(origin);
      } catch {
        throw new ConfigurationError([`${variable} has an invalid origin: ${origin}`]);
      }
      if (!['http:', 'https:'].includes(url.protocol) || url.origin !== origin.replace(/\/$/, '')) {
        throw new ConfigurationError([
          `${variable} entries must be origins such as https://chat.example.com, not ${origin}`,
        ]);
      }
      return url.origin;
    });
}
