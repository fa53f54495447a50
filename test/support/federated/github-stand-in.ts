import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { freePort } from '../http/free-port.js';

/** A GitHub account as the stand-in serves it at /user and /user/emails. */
export interface GitHubAccount {
  id: number;
  login: string;
  name?: string | null;
  emails: Array<{ email: string; primary: boolean; verified: boolean }>;
}

interface Grant {
  account: GitHubAccount;
  redirectUri: string;
  codeChallenge: string;
}

/**
 * A local stand-in for GitHub's four endpoints: GET /login/oauth/authorize (where the person, here
 * `nextAnswer`, approves or cancels), POST /login/oauth/access_token (client secret, single-use code,
 * redirect URI and PKCE verifier checked; errors in a 200 body, as GitHub answers them), and the API's
 * GET /user and GET /user/emails under /api (GITHUB_API_URL, as on GitHub Enterprise).
 */
export class GitHubStandIn {
  /** Who approves the next authorization request; null: the person cancels it. */
  nextAnswer: GitHubAccount | null = null;
  /** Every authorization request the stand-in received, as its query. */
  readonly authorizeRequests: URLSearchParams[] = [];
  private readonly codes = new Map<string, Grant>();
  private readonly tokens = new Map<string, GitHubAccount>();

  private constructor(
    readonly url: string,
    private readonly server: Server,
    private readonly client: { id: string; secret: string; redirectUri: string },
  ) {}

  get apiUrl(): string {
    return `${this.url}/api`;
  }

  static async start(client: { id: string; secret: string; redirectUri: string }): Promise<GitHubStandIn> {
    const port = await freePort();
    let self: GitHubStandIn | undefined;
    const server = createServer((req, res) => void self!.handle(req, res));
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    self = new GitHubStandIn(`http://127.0.0.1:${port}`, server, client);
    return self;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    if (req.method === 'GET' && url.pathname === '/login/oauth/authorize')
      return this.authorize(url.searchParams, res);
    if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') {
      return this.accessToken(new URLSearchParams(await bodyOf(req)), res);
    }
    const account = this.tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
    if (req.method === 'GET' && url.pathname.startsWith('/api/user')) {
      if (!account) return json(res, 401, { message: 'Bad credentials' });
      if (url.pathname === '/api/user')
        return json(res, 200, { id: account.id, login: account.login, name: account.name });
      if (url.pathname === '/api/user/emails') {
        return json(
          res,
          200,
          account.emails.map((entry) => ({ ...entry, visibility: entry.primary ? 'private' : null })),
        );
      }
    }
    json(res, 404, { message: 'Not Found' });
  }

  private authorize(query: URLSearchParams, res: ServerResponse): void {
    this.authorizeRequests.push(query);
    const redirectUri = query.get('redirect_uri') ?? '';
    if (query.get('client_id') !== this.client.id || redirectUri !== this.client.redirectUri) {
      return json(res, 400, { message: 'The redirect_uri is not associated with this application.' });
    }
    const back = new URL(redirectUri);
    const state = query.get('state');
    if (this.nextAnswer === null) {
      back.search = new URLSearchParams({
        error: 'access_denied',
        error_description: 'The user has denied your application access.',
        ...(state && { state }),
      }).toString();
    } else {
      const code = randomBytes(10).toString('hex');
      this.codes.set(code, {
        account: this.nextAnswer,
        redirectUri,
        codeChallenge: query.get('code_challenge') ?? '',
      });
      back.search = new URLSearchParams({ code, ...(state && { state }) }).toString();
    }
    res.writeHead(302, { Location: back.href }).end();
  }

  private accessToken(form: URLSearchParams, res: ServerResponse): void {
    const grant = this.codes.get(form.get('code') ?? '');
    this.codes.delete(form.get('code') ?? '');
    const verifier = form.get('code_verifier') ?? '';
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    if (form.get('client_id') !== this.client.id || form.get('client_secret') !== this.client.secret) {
      return json(res, 200, { error: 'incorrect_client_credentials' });
    }
    if (!grant || grant.redirectUri !== form.get('redirect_uri') || grant.codeChallenge !== challenge) {
      return json(res, 200, {
        error: 'bad_verification_code',
        error_description: 'The code passed is incorrect or expired.',
      });
    }
    const token = `gho_${randomBytes(18).toString('hex')}`;
    this.tokens.set(token, grant.account);
    json(res, 200, { access_token: token, token_type: 'bearer', scope: 'read:user,user:email' });
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
