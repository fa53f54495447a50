import type { NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';

/**
 * A request born with the properties that Express, cookie parsing, Passport, the access log and body
 * parsing add to it on the way (a check-auth request gets twenty). Express swaps every request's
 * prototype (Object.setPrototypeOf) as it starts; V8 then keeps no shared hidden class for what is
 * added after that, and builds one, copying its property descriptors, for every property added to
 * every request: a quarter of the bytes a check-auth request allocated. Properties that exist from the
 * constructor on are only written. None of these names is an accessor of Express's or Node's
 * request prototypes, which an own property would hide.
 */
export class AppRequest extends IncomingMessage {
  // Node's event emitter: inherited (0) until the first listener is added; kept if one already was
  _eventsCount: number = (this as { _eventsCount?: number })._eventsCount ?? 0;
  // Express and its router
  res: unknown = undefined;
  next: unknown = undefined;
  baseUrl: unknown = undefined;
  originalUrl: unknown = undefined;
  _parsedUrl: unknown = undefined;
  params: unknown = undefined;
  route: unknown = undefined;
  body: unknown = undefined;
  // The access log's request id (typed by pino-http)
  override id = undefined as unknown as IncomingMessage['id'];
  // cookie-parser
  secret: unknown = undefined;
  cookies: unknown = undefined;
  signedCookies: unknown = undefined;
  // Passport and @nestjs/passport
  logIn: unknown = undefined;
  login: unknown = undefined;
  logOut: unknown = undefined;
  logout: unknown = undefined;
  isAuthenticated: unknown = undefined;
  isUnauthenticated: unknown = undefined;
  _sessionManager: unknown = undefined;
  authInfo: unknown = undefined;
  user: unknown = undefined;
}

/** The same for a response: Node keeps its status on the prototype until it is set; Express adds locals. */
export class AppResponse<Request extends IncomingMessage = IncomingMessage> extends ServerResponse<Request> {
  override statusCode = 200;
  override statusMessage: string = undefined as unknown as string;
  locals: unknown = undefined;
}

/** Nest's Express adapter, serving HTTP with the shaped requests and responses above. */
export class AppHttpAdapter extends ExpressAdapter {
  override initHttpServer(options: NestApplicationOptions): void {
    // TLS and Nest's connection tracking are not used here (TLS ends at the proxy): Nest's own way.
    if (options.httpsOptions || options.forceCloseConnections || options.return503OnClosing)
      return super.initHttpServer(options);
    this.setHttpServer(
      createServer({ IncomingMessage: AppRequest, ServerResponse: AppResponse }, this.getInstance()),
    );
  }
}
