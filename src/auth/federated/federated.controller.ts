import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { requestIdOf } from '../../common/http/request-id.js';
import type { AuthContext } from '../../common/auth-context.js';
import { CurrentAuth } from '../../common/decorators/current-auth.decorator.js';
import { Public } from '../../common/decorators/public.decorator.js';
import { ApiError, ApiTooManyAttempts } from '../../common/openapi/api-error.decorator.js';
import { ApiSession } from '../../common/openapi/api-session.decorator.js';
import { RateLimited } from '../throttling/auth-throttler.guard.js';
import { AuthorizationUrlDto, FlowRedirectDto } from './dto/flow-responses.dto.js';
import { ProviderResponseDto } from './dto/provider-response.dto.js';
import { RETURN_TO_INVALID, ReturnToDto } from './dto/return-to.dto.js';
import { FederatedSignIn, UNKNOWN_PROVIDER } from './federated-sign-in.service.js';
import { FlowCookie } from './flow-cookie.js';
import type { FederatedErrorCode } from './federated-errors.js';

const FLOW_COOKIE_HEADER = {
  'Set-Cookie': {
    description:
      '`oauth_flow=<sealed flow>; Max-Age=600; Path=/api/auth/oauth/<provider>/callback; HttpOnly; SameSite=Lax` ' +
      '(Secure in production): the state, PKCE verifier, nonce and returnTo, encrypted, for whichever instance the callback reaches.',
    schema: { type: 'string' },
  },
};

const CALLBACK_COOKIE_HEADER = {
  'Set-Cookie': {
    description:
      'Always clears `oauth_flow`. Signed in: `jwt=<token>; Max-Age=<lifetime>; Path=/; HttpOnly; SameSite=Lax` ' +
      '(Secure in production) and `known_device=<signed id>; Path=/api/auth; HttpOnly`, exactly as login sets them. ' +
      'For an account with two-factor sign-in instead: no session, and ' +
      '`2fa_challenge=<challenge>; Max-Age=300; Path=/api/auth/2fa; HttpOnly; SameSite=Lax` for POST /api/auth/2fa/verify.',
    schema: { type: 'string' },
  },
};

const LOCATION_HEADER = (description: string) => ({
  Location: { description, schema: { type: 'string', format: 'uri' } },
});

const AS_JSON =
  "With `Accept: application/json`, the same answer as JSON (its `url` is the redirect's Location), with the same cookies.";

@Controller('auth')
@ApiTags('Sign-in providers')
export class FederatedController {
  constructor(
    private readonly federated: FederatedSignIn,
    private readonly flows: FlowCookie,
  ) {}

  /** The sign-in providers this server offers (Google, GitHub, an OpenID Connect provider), for buttons; `[]` when none is configured. */
  @Public()
  @Get('providers')
  @ApiOkResponse({ type: [ProviderResponseDto] })
  listProviders(): ProviderResponseDto[] {
    return this.federated.list();
  }

  /**
   * Starts signing in with a provider: a redirect to its authorization page (authorization code with
   * PKCE, state and, for OpenID Connect, a nonce), and the flow cookie its callback needs. A provider
   * that cannot be reached ends at the app's login page with `error=provider_error`.
   */
  @Public()
  @RateLimited()
  @Get('oauth/:provider')
  @ApiProduces('application/json')
  @ApiOkResponse({ type: FlowRedirectDto, description: AS_JSON, headers: FLOW_COOKIE_HEADER })
  @ApiResponse({
    status: 302,
    description: 'To the provider (or, when it cannot be reached, to `APP_URL/login?error=provider_error`).',
    headers: { ...LOCATION_HEADER("The provider's authorization endpoint."), ...FLOW_COOKIE_HEADER },
  })
  @ApiError(400, 'returnTo is not a path of the app.', RETURN_TO_INVALID)
  @ApiError(404, 'The provider is unknown, or not configured here.', UNKNOWN_PROVIDER)
  @ApiTooManyAttempts('Too many attempts from this client.')
  async startProviderSignIn(
    @Param('provider') id: string,
    @Query() query: ReturnToDto,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const provider = this.federated.provider(id);
    const started = await this.federated.start(provider, requestIdOf(req), query.returnTo);
    if (started.flow) this.flows.set(res, started.flow);
    send(req, res, started.url, started.error);
  }

  /**
   * Where the provider sends the browser back (the redirect URI to register with it). Checks the flow
   * and the provider's answer, applies the linking rules, and ends at the app: signed in (the `jwt`
   * cookie, as login), at its login page with `twoFactorRequired=1` for an account with two-factor
   * sign-in, or at its login page with `error=<code>`. For a configured provider, never an error status.
   */
  @Public()
  @Get('oauth/:provider/callback')
  @ApiProduces('application/json')
  @ApiOkResponse({ type: FlowRedirectDto, description: AS_JSON, headers: CALLBACK_COOKIE_HEADER })
  @ApiResponse({
    status: 302,
    description:
      'To `APP_URL` plus `returnTo` (signed in, or linked), `APP_URL/login?twoFactorRequired=1` (a second factor is due), or ' +
      '`APP_URL/login?error=<code>`: access_denied, invalid_state, email_not_verified, email_in_use, identity_in_use, provider_error, server_error.',
    headers: { ...LOCATION_HEADER('The app.'), ...CALLBACK_COOKIE_HEADER },
  })
  @ApiError(404, 'The provider is unknown, or not configured here.', UNKNOWN_PROVIDER)
  async finishProviderSignIn(
    @Param('provider') id: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const provider = this.federated.provider(id);
    const flow = this.flows.read(req, provider.id);
    this.flows.clear(res, provider.id);
    const ended = await this.federated.finish(provider, flow, req, res);
    send(req, res, ended.url, ended.error);
  }

  /**
   * Links an account of this provider to the signed-in user, whatever its address: answers the
   * provider's authorization page for the browser to open; its callback links and lands on the app.
   * A provider account linked to another user ends with `error=identity_in_use`.
   */
  @Post('oauth/:provider/link')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: AuthorizationUrlDto, headers: FLOW_COOKIE_HEADER })
  @ApiSession()
  @ApiError(400, 'returnTo is not a path of the app.', RETURN_TO_INVALID)
  @ApiError(404, 'The provider is unknown, or not configured here.', UNKNOWN_PROVIDER)
  @ApiError(
    409,
    'An account of this provider is linked already.',
    'Google sign-in is already linked: remove it first',
  )
  @ApiError(502, 'The provider cannot be reached.', 'Google cannot be reached right now: try again later')
  async linkProvider(
    @CurrentAuth() auth: AuthContext,
    @Param('provider') id: string,
    @Body() body: ReturnToDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AuthorizationUrlDto> {
    const provider = this.federated.provider(id);
    const { url, flow } = await this.federated.startLink(auth, provider, requestIdOf(req), body.returnTo);
    this.flows.set(res, flow);
    return { url };
  }
}

/** A redirect, or for a client that asks for JSON the same answer as `{ url, error? }` (200). */
function send(req: Request, res: Response, url: string, error?: FederatedErrorCode): void {
  res.setHeader('Cache-Control', 'no-store');
  if (req.accepts(['html', 'json']) === 'json') {
    res.status(HttpStatus.OK).json(error ? { url, error } : { url });
  } else {
    res.redirect(HttpStatus.FOUND, url);
  }
}
