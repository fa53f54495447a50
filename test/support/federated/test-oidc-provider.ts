import { createSign, generateKeyPairSync, type JsonWebKey, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import Provider from 'oidc-provider';
import { freePort } from '../http/free-port.js';

/** What the provider says about one of its accounts (its `sub` is the key it is stored under). */
export interface ProviderAccount {
  email?: string;
  email_verified?: boolean;
  name?: string;
}

/** The claims of an ID token, as a test may rewrite them before it is re-signed. */
export type IdTokenClaims = Record<string, unknown>;

/**
 * A real OpenID provider, panva's oidc-provider with its development interactions (a login form that
 * takes any username as the account id, and a consent form), on 127.0.0.1 in the test process.
 * `idTokenClaims`: the email and name go in the ID token (as Google does); otherwise only in userinfo.
 */
export class TestOidcProvider {
  /** The provider's accounts by subject; an unknown subject has no claims but `sub`. */
  readonly accounts = new Map<string, ProviderAccount>();
  /** Rewrites the next ID tokens the token endpoint answers (see reSign and breakSignature). */
  rewriteIdToken?: (idToken: string) => string;
  private readonly privateJwk: JsonWebKey & { kid: string };

  private constructor(
    readonly issuer: string,
    private readonly server: Server,
    privateJwk: JsonWebKey & { kid: string },
  ) {
    this.privateJwk = privateJwk;
  }

  static async start(options: {
    clientId: string;
    clientSecret: string;
    redirectUris: string[];
    idTokenClaims?: boolean;
  }): Promise<TestOidcProvider> {
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const privateJwk = {
      ...privateKey.export({ format: 'jwk' }),
      kid: randomBytes(8).toString('hex'),
      use: 'sig',
      alg: 'RS256',
    };
    let self: TestOidcProvider | undefined;
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: options.clientId,
          client_secret: options.clientSecret,
          redirect_uris: options.redirectUris,
          grant_types: ['authorization_code'],
          response_types: ['code'],
        },
      ],
      jwks: { keys: [privateJwk] },
      cookies: { keys: [randomBytes(16).toString('hex')] },
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
      conformIdTokenClaims: !options.idTokenClaims,
      pkce: { required: () => true },
      features: { devInteractions: { enabled: true } },
      findAccount: (_ctx: unknown, sub: string) => ({
        accountId: sub,
        claims: () => ({ sub, ...self?.accounts.get(sub) }),
      }),
    });
    provider.use(async (ctx, next) => {
      await next();
      const body = ctx.body as { id_token?: string } | undefined;
      if (ctx.path === '/token' && ctx.status === 200 && body?.id_token && self?.rewriteIdToken) {
        body.id_token = self.rewriteIdToken(body.id_token);
      }
    });
    // Errors the provider answers to a client (a bad code, a wrong verifier) are part of the tests.
    provider.on('server_error', () => undefined);
    const server = createServer(provider.callback());
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    self = new TestOidcProvider(issuer, server, privateJwk);
    return self;
  }

  /** `idToken` with its claims rewritten and signed again with the provider's own key. */
  reSign(idToken: string, rewrite: (claims: IdTokenClaims) => IdTokenClaims): string {
    const [header, payload] = idToken.split('.');
    const claims = rewrite(JSON.parse(Buffer.from(payload, 'base64url').toString()) as IdTokenClaims);
    const body = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    const key = { key: this.privateJwk, format: 'jwk' } as const;
    return `${body}.${createSign('RSA-SHA256').update(body).sign(key).toString('base64url')}`;
  }

  /** `idToken` with its claims rewritten but its old signature kept, as a forger without the key would. */
  static breakSignature(idToken: string, rewrite: (claims: IdTokenClaims) => IdTokenClaims): string {
    const [header, payload, signature] = idToken.split('.');
    const claims = rewrite(JSON.parse(Buffer.from(payload, 'base64url').toString()) as IdTokenClaims);
    return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
