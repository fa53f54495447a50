import { timingSafeEqual } from 'node:crypto';
import {
  BadGatewayException,
  ConflictException,
  Injectable,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request, Response } from 'express';
import type { AuthContext } from '../../common/auth-context.js';
import { clientInfo } from '../../common/http/client-info.js';
import { API_PREFIX } from '../../common/http/api-paths.js';
import type { AppConfig } from '../../config/app-config.js';
import { SignInPipeline } from '../sign-in/sign-in.pipeline.js';
import { SignInResponder } from '../sign-in/sign-in.responder.js';
import { AccountLinking } from './account-linking.js';
import type { ProviderResponseDto } from './dto/provider-response.dto.js';
import { type FederatedErrorCode, FederatedSignInError } from './federated-errors.js';
import { callbackPath, type Flow } from './flow-cookie.js';
import { IdentitiesService } from './identities.service.js';
import { LandingPages } from './landing-pages.js';
import type { SignInProvider } from './providers/sign-in-provider.js';
import { SignInProviders } from './providers/sign-in-providers.js';
import { UsedFlowStates } from './used-flow-states.js';

export const UNKNOWN_PROVIDER = 'Unknown sign-in provider';

/** A new flow for the cookie, and where the browser goes. */
export interface StartedFlow {
  url: string;
  flow: Omit<Flow, 'expiresAt'>;
}

/** Where the browser goes next; `error` when the flow failed. */
export interface FlowEnd {
  url: string;
  error?: FederatedErrorCode;
}

/**
 * Sign-in (and linking) with Google, GitHub or an OpenID Connect provider: the authorization request;
 * then at the callback the checks of the flow, the provider's proof of who the person is, the linking
 * rules (AccountLinking) and the sign-in pipeline, which issues the session or asks for a second factor.
 */
@Injectable()
export class FederatedSignIn {
  private readonly logger = new Logger(FederatedSignIn.name);
  private readonly apiUrl: string;

  constructor(
    private readonly providers: SignInProviders,
    private readonly usedStates: UsedFlowStates,
    private readonly identities: IdentitiesService,
    private readonly linking: AccountLinking,
    private readonly pipeline: SignInPipeline,
    private readonly responder: SignInResponder,
    private readonly landing: LandingPages,
    config: ConfigService<AppConfig, true>,
  ) {
    this.apiUrl = config.get('mail.apiUrl', { infer: true });
  }

  list(): ProviderResponseDto[] {
    return this.providers.list().map(({ id, name }) => ({
      id,
      name,
      url: `${this.apiUrl}/${API_PREFIX}/auth/oauth/${id}`,
    }));
  }

  /** The configured provider `id`; 404 for any other. */
  provider(id: string): SignInProvider {
    const provider = this.providers.find(id);
    if (!provider) throw new NotFoundException(UNKNOWN_PROVIDER);
    return provider;
  }

  /** A sign-in: to the provider, or to the login page with `provider_error` when it cannot be reached. */
  async start(
    provider: SignInProvider,
    requestId: string | undefined,
    returnTo?: string,
  ): Promise<FlowEnd & { flow?: StartedFlow['flow'] }> {
    try {
      return await this.newFlow(provider, returnTo);
    } catch (error) {
      return this.failed(provider, error, requestId);
    }
  }

  /** A link for the signed-in user; 409 when one of that provider is linked, 502 when it cannot be reached. */
  async startLink(
    { user, session }: AuthContext,
    provider: SignInProvider,
    requestId: string | undefined,
    returnTo?: string,
  ): Promise<StartedFlow> {
    if (await this.identities.hasProvider(user._id, provider.id)) {
      throw new ConflictException(`${provider.name} sign-in is already linked: remove it first`);
    }
    try {
      return await this.newFlow(provider, returnTo, {
        user: user._id.toHexString(),
        session: session._id.toHexString(),
      });
    } catch (error) {
      this.logger.warn({
        msg: `Could not start linking ${provider.id}: ${(error as Error).message}`,
        requestId,
      });
      throw new BadGatewayException(`${provider.name} cannot be reached right now: try again later`);
    }
  }

  /**
   * The callback, with the request's flow (`undefined`: no cookie, or a forged or expired one). Sets
   * the session or challenge cookie on `res` when a sign-in succeeds; never throws.
   */
  async finish(
    provider: SignInProvider,
    flow: Flow | undefined,
    req: Request,
    res: Response,
  ): Promise<FlowEnd> {
    const client = clientInfo(req);
    try {
      if (!flow)
        throw new FederatedSignInError('invalid_state', 'no flow cookie, or an expired or forged one');
      const query = new URL(req.originalUrl, 'http://callback').searchParams;
      if (!sameState(query.get('state'), flow.state)) {
        throw new FederatedSignInError('invalid_state', 'the state does not match the flow cookie');
      }
      if (!(await this.usedStates.use(flow.state, new Date(flow.expiresAt)))) {
        throw new FederatedSignInError('invalid_state', 'the state was already used (a replayed callback)');
      }
      const redirectUri = this.redirectUri(provider);
      const callbackUrl = new URL(redirectUri);
      callbackUrl.search = query.toString();
      const profile = await provider.profile(callbackUrl, {
        redirectUri,
        state: flow.state,
        codeVerifier: flow.codeVerifier,
        nonce: flow.nonce,
      });
      if (flow.link) {
        await this.linking.link(provider, profile, flow.link, client);
        return { url: this.landing.app(flow.returnTo) };
      }
      const { user, created } = await this.linking.accountFor(provider, profile, client);
      const result = await this.pipeline.complete({
        user,
        client,
        event: created ? 'signup' : 'login.succeeded',
        method: provider.id,
      });
      this.responder.answer(res, result);
      return {
        url:
          result.outcome === 'challenge'
            ? this.landing.twoFactor(flow.returnTo)
            : this.landing.app(flow.returnTo),
      };
    } catch (error) {
      return this.failed(provider, error, client.requestId);
    }
  }

  private async newFlow(
    provider: SignInProvider,
    returnTo?: string,
    link?: Flow['link'],
  ): Promise<StartedFlow> {
    // Loaded by the first sign-in through a provider, like the providers' own use of it.
    const client = await import('openid-client');
    const codeVerifier = client.randomPKCECodeVerifier();
    const flow: StartedFlow['flow'] = {
      provider: provider.id,
      state: client.randomState(),
      codeVerifier,
      ...(provider.usesNonce && { nonce: client.randomNonce() }),
      ...(returnTo !== undefined && { returnTo }),
      ...(link && { link }),
    };
    const url = await provider.authorizationUrl({
      redirectUri: this.redirectUri(provider),
      state: flow.state,
      nonce: flow.nonce,
      codeChallenge: await client.calculatePKCECodeChallenge(codeVerifier),
    });
    return { url: url.href, flow };
  }

  /** The redirect URI registered with the provider. */
  private redirectUri(provider: SignInProvider): string {
    return `${this.apiUrl}${callbackPath(provider.id)}`;
  }

  /** The login page with the error's code; what went wrong is logged, never shown. */
  private failed(provider: SignInProvider, error: unknown, requestId: string | undefined): FlowEnd {
    const known = error instanceof FederatedSignInError;
    const code: FederatedErrorCode = known ? error.code : 'server_error';
    const message = `Sign-in with ${provider.id} failed (${code}): ${(error as Error)?.message ?? String(error)}`;
    const line = { msg: message, requestId };
    if (!known) this.logger.error(line);
    else if (code === 'provider_error') this.logger.warn(line);
    else this.logger.log(line);
    return { url: this.landing.failure(code), error: code };
  }
}

function sameState(received: string | null, expected: string): boolean {
  if (received === null) return false;
  const a = Buffer.from(received);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
