/**
 * The audit's cookie jar: one per audited target, shared by every page the audit fetches
 * the way a browser would (the root page, `--cookie-path`, `--csrf-path`, redirects), so a
 * cookie one page sets is sent to the next, as a user's browser does. RFC 6265 basics, as
 * far as they matter to an audit: host-only and Domain cookies, Path, Secure (never sent
 * over http, never set from http), Max-Age/Expires (deletion and expiry), and the
 * `__Secure-`/`__Host-` prefixes. Forged requests (spoofing checks, the probe) do not use it.
 */

/** One stored cookie. */
export interface StoredCookie {
  readonly name: string;
  readonly value: string;
  /** The domain, lower case, without a leading dot. */
  readonly domain: string;
  /** True when set without a Domain attribute: sent to that exact host only. */
  readonly hostOnly: boolean;
  readonly path: string;
  readonly secure: boolean;
  readonly httpOnly: boolean;
  /** ms since the epoch; undefined for a session cookie. */
  readonly expires: number | undefined;
  /** The raw Set-Cookie line it came from. */
  readonly line: string;
  /** The URL of the response that set it. */
  readonly setBy: string;
}

/** RFC 6265 5.1.4: the directory of the request path. */
export function defaultPath(url: URL): string {
  const p = url.pathname;
  if (!p.startsWith('/')) return '/';
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

/** RFC 6265 5.1.4: does the request path match the cookie path? */
export function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath.charAt(cookiePath.length) === '/';
}

/** RFC 6265 5.1.3: does the host match the cookie domain? (Never for IP literals with a Domain.) */
export function domainMatches(host: string, domain: string): boolean {
  if (host === domain) return true;
  return host.endsWith(`.${domain}`) && !/^[\d.]+$|:/.test(host);
}

function hostOf(url: URL): string {
  const h = url.hostname.toLowerCase();
  return h.startsWith('[') ? h.slice(1, -1) : h;
}

/** The cookies of one audit. */
export class CookieJar {
  private cookies: StoredCookie[] = [];

  /**
   * Store the cookies of one `Set-Cookie` line received from `url` (RFC 6265 5.3).
   * Returns the cookie, or a reason it was ignored.
   */
  store(url: URL, line: string, now = Date.now()): StoredCookie | { ignored: string } {
    const [pair = '', ...attrs] = line.split(';');
    const eq = pair.indexOf('=');
    if (eq < 0) return { ignored: 'no "=" in the name-value pair' };
    const name = pair.slice(0, eq).trim();
    const value = pair
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    if (name === '') return { ignored: 'an empty name' };
    const host = hostOf(url);
    const https = url.protocol === 'https:';
    let domain: string | undefined;
    let path: string | undefined;
    let secure = false;
    let httpOnly = false;
    let maxAge: number | undefined;
    let expires: number | undefined;
    for (const a of attrs) {
      const i = a.indexOf('=');
      const key = (i < 0 ? a : a.slice(0, i)).trim().toLowerCase();
      const v = i < 0 ? '' : a.slice(i + 1).trim();
      if (key === 'domain' && v !== '') domain = v.replace(/^\./, '').toLowerCase();
      else if (key === 'path') path = v.startsWith('/') ? v : undefined;
      else if (key === 'secure') secure = true;
      else if (key === 'httponly') httpOnly = true;
      else if (key === 'max-age' && /^-?\d+$/.test(v)) maxAge = Number(v);
      else if (key === 'expires') {
        const t = Date.parse(v);
        if (!Number.isNaN(t)) expires = t;
      }
    }
    if (secure && !https) return { ignored: 'Secure cookie set over plain http' };
    if (name.startsWith('__Secure-') && !secure) return { ignored: '__Secure- without Secure' };
    if (name.startsWith('__Host-') && (!secure || domain !== undefined || path !== '/')) {
      return { ignored: '__Host- needs Secure, Path=/ and no Domain' };
    }
    if (domain !== undefined && !domainMatches(host, domain)) {
      return { ignored: `Domain=${domain} does not cover ${host}` };
    }
    const expiry = maxAge !== undefined ? now + maxAge * 1000 : expires;
    const cookie: StoredCookie = {
      name,
      value,
      domain: domain ?? host,
      hostOnly: domain === undefined,
      path: path ?? defaultPath(url),
      secure,
      httpOnly,
      expires: expiry,
      line,
      setBy: url.href,
    };
    // A new cookie replaces the one with the same name, domain and path (5.3 step 11).
    this.cookies = this.cookies.filter(
      (c) => !(c.name === name && c.domain === cookie.domain && c.path === cookie.path),
    );
    if (expiry !== undefined && expiry <= now) return cookie; // a deletion
    this.cookies.push(cookie);
    return cookie;
  }

  /** Store every Set-Cookie line of a response from `url`. */
  storeAll(url: URL, lines: readonly string[], now = Date.now()): void {
    for (const l of lines) this.store(url, l, now);
  }

  /** The cookies a request to `url` carries (RFC 6265 5.4), longest path first. */
  matching(url: URL, now = Date.now()): StoredCookie[] {
    const host = hostOf(url);
    const https = url.protocol === 'https:';
    this.cookies = this.cookies.filter((c) => c.expires === undefined || c.expires > now);
    return this.cookies
      .filter(
        (c) =>
          (c.hostOnly ? host === c.domain : domainMatches(host, c.domain)) &&
          pathMatches(url.pathname || '/', c.path) &&
          (!c.secure || https),
      )
      .sort((a, b) => b.path.length - a.path.length);
  }

  /** The Cookie header for a request to `url`, or undefined when there is none. */
  header(url: URL, now = Date.now()): string | undefined {
    const m = this.matching(url, now);
    return m.length === 0 ? undefined : m.map((c) => `${c.name}=${c.value}`).join('; ');
  }

  /** Every cookie held. */
  all(): readonly StoredCookie[] {
    return this.cookies;
  }
}
