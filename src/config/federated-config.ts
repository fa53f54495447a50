import { ConfigurationError, type EnvironmentVariables } from './environment.js';

/** An OpenID Connect provider: its endpoints come from `<issuer>/.well-known/openid-configuration`. */
export interface OidcProviderConfig {
  /** The issuer identifier, exactly as the provider's discovery document spells it. */
  issuer: string;
  clientId: string;
  clientSecret: string;
}

/** GitHub (OAuth 2.0, not OpenID Connect), or a GitHub Enterprise server. */
export interface GitHubProviderConfig {
  /** Where the authorize and access-token endpoints are (`/login/oauth/...`). */
  url: string;
  /** Where `/user` and `/user/emails` are. */
  apiUrl: string;
  clientId: string;
  clientSecret: string;
}

/** The sign-in providers that are configured; an absent one is not offered at all. */
export interface FederatedConfig {
  oidc?: OidcProviderConfig & { name: string };
  google?: OidcProviderConfig;
  github?: GitHubProviderConfig;
}

type Variable = keyof EnvironmentVariables;

/**
 * Each provider appears only when its client is set; a half-set provider (an issuer without its client,
 * a client id without its secret) stops the boot, as does an http:// URL in production.
 */
export function federatedConfig(env: EnvironmentVariables, production: boolean): FederatedConfig {
  const problems: string[] = [];
  const group = (required: Variable[], optional: Variable[]): boolean => {
    const set = [...required, ...optional].filter((name) => env[name] !== undefined);
    if (set.length === 0) return false;
    const missing = required.filter((name) => env[name] === undefined);
    const given = `${set.join(' and ')} ${set.length > 1 ? 'are' : 'is'} set`;
    for (const name of missing) problems.push(`${name} is required when ${given}`);
    return missing.length === 0;
  };
  const url = (name: Variable, fallback: string): string => {
    const value = (env[name] as string | undefined) ?? fallback;
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      problems.push(`${name} is not a valid URL`);
      return value;
    }
    if (parsed.search || parsed.hash) problems.push(`${name} takes no ?query or #fragment`);
    if (production && parsed.protocol !== 'https:')
      problems.push(`${name} must be an https:// URL in production`);
    return value;
  };
  const withoutTrailingSlash = (value: string) => value.replace(/\/+$/, '');

  const config: FederatedConfig = {};
  if (group(['OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'], ['OIDC_NAME'])) {
    config.oidc = {
      issuer: url('OIDC_ISSUER', ''),
      clientId: env.OIDC_CLIENT_ID!,
      clientSecret: env.OIDC_CLIENT_SECRET!,
      name: env.OIDC_NAME ?? 'Single sign-on',
    };
  }
  if (group(['GOOGLE_CLIENT_ID', 'GOOGLE_CLIENT_SECRET'], ['GOOGLE_ISSUER'])) {
    config.google = {
      issuer: url('GOOGLE_ISSUER', 'https://accounts.google.com'),
      clientId: env.GOOGLE_CLIENT_ID!,
      clientSecret: env.GOOGLE_CLIENT_SECRET!,
    };
  }
  if (group(['GITHUB_CLIENT_ID', 'GITHUB_CLIENT_SECRET'], ['GITHUB_URL', 'GITHUB_API_URL'])) {
    config.github = {
      url: withoutTrailingSlash(url('GITHUB_URL', 'https://github.com')),
      apiUrl: withoutTrailingSlash(url('GITHUB_API_URL', 'https://api.github.com')),
      clientId: env.GITHUB_CLIENT_ID!,
      clientSecret: env.GITHUB_CLIENT_SECRET!,
    };
  }
  if (problems.length > 0) throw new ConfigurationError(problems);
  return config;
}
