/** A cookie as a browser keeps it: per host (any port, as browsers do), name and path. */
interface StoredCookie {
  host: string;
  path: string;
  name: string;
  value: string;
}

/**
 * The cookie-keeping part of a browser, over fetch, following no redirect by itself: each hop of a
 * sign-in (the API, the provider's pages, its redirects) is a request the test sees.
 */
export class Browser {
  private readonly jar = new Map<string, StoredCookie>();

  async get(url: string | URL, headers: Record<string, string> = {}): Promise<Response> {
    return this.request('GET', url, undefined, headers);
  }

  /** A form post, as an HTML form sends it. */
  async submit(url: string | URL, form: Record<string, string>): Promise<Response> {
    return this.request('POST', url, new URLSearchParams(form).toString(), {
      'content-type': 'application/x-www-form-urlencoded',
    });
  }

  async postJson(url: string | URL, body: object, headers: Record<string, string> = {}): Promise<Response> {
    return this.request('POST', url, JSON.stringify(body), {
      'content-type': 'application/json',
      ...headers,
    });
  }

  async request(
    method: string,
    url: string | URL,
    body?: string,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const target = new URL(url);
    const cookie = this.cookieHeader(target);
    const res = await fetch(target, {
      method,
      body,
      redirect: 'manual',
      headers: { ...(cookie && { cookie }), ...headers },
    });
    for (const line of res.headers.getSetCookie()) this.store(target, line);
    return res;
  }

  /** Follows redirects from `url` until one leads to a URL `stop` accepts, which is returned unvisited. */
  async followUntil(url: string | URL, stop: (next: URL) => boolean): Promise<URL> {
    let next = new URL(url);
    for (let hop = 0; hop < 20; hop++) {
      if (stop(next)) return next;
      const res = await this.get(next);
      const location = res.headers.get('location');
      if (!location)
        throw new Error(`${next.href} answered ${res.status} without a redirect: ${await res.text()}`);
      next = new URL(location, next);
    }
    throw new Error(`too many redirects from ${String(url)}`);
  }

  /** The value of cookie `name` that a request to `url` would send. */
  cookie(url: string | URL, name: string): string | undefined {
    const target = new URL(url);
    return this.matching(target).find((cookie) => cookie.name === name)?.value;
  }

  /** Sets a cookie by hand, as an attacker or a test can. */
  setCookie(url: string | URL, name: string, value: string, path = '/'): void {
    const host = new URL(url).hostname;
    this.jar.set(`${host}|${path}|${name}`, { host, path, name, value });
  }

  private cookieHeader(target: URL): string {
    return this.matching(target)
      .map((cookie) => `${cookie.name}=${cookie.value}`)
      .join('; ');
  }

  private matching(target: URL): StoredCookie[] {
    return [...this.jar.values()]
      .filter((cookie) => cookie.host === target.hostname && pathMatches(target.pathname, cookie.path))
      .sort((a, b) => b.path.length - a.path.length);
  }

  private store(target: URL, line: string): void {
    const [pair, ...attributes] = line.split(';').map((part) => part.trim());
    const at = pair.indexOf('=');
    const name = pair.slice(0, at);
    const value = pair.slice(at + 1);
    const attribute = (key: string) =>
      attributes.find((part) => part.toLowerCase().startsWith(`${key}=`))?.slice(key.length + 1);
    const path = attribute('path') ?? defaultPath(target.pathname);
    const maxAge = attribute('max-age');
    const expires = attribute('expires');
    const expired =
      (maxAge !== undefined && Number(maxAge) <= 0) ||
      (maxAge === undefined && expires !== undefined && Date.parse(expires) <= Date.now());
    const key = `${target.hostname}|${path}|${name}`;
    if (expired) this.jar.delete(key);
    else this.jar.set(key, { host: target.hostname, path, name, value });
  }
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

function defaultPath(path: string): string {
  const last = path.lastIndexOf('/');
  return last <= 0 ? '/' : path.slice(0, last);
}
