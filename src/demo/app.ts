/**
 * The small web app of the demo and of the audit's tests, in two flavours:
 *
 * - `proxytrust`: the real HTTP layer, `proxytrust/node`'s middleware, with the policy and
 *   the options given (allowed hosts, the https redirect with the health paths exempt, HSTS,
 *   Secure cookies, the CSRF origin check, the probe) around a tiny page: it sets a session
 *   cookie, prints an absolute link with `absoluteUrl`, answers the health paths and accepts
 *   POST. Nothing of the HTTP layer is written here.
 * - `naive`: the classic mistakes of frameworks with "trust proxy" switched on: it believes
 *   the leftmost X-Forwarded-Proto/-Host/-For from anyone and checks no host. Its probe
 *   reports what it believes, so the audit can prove the spoofing.
 *
 * `faults` break single rules of the proxytrust flavour on purpose, so that tests can prove
 * each check fails: each one is a wrong option of the middleware or a misconfigured layer in
 * front of it, never a change to the middleware.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { PolicyOptions } from '../core/index.js';
import {
  absoluteUrl,
  DEFAULT_PROBE_PATH,
  forwardedLines,
  getView,
  type HttpWarning,
  PROBE_HEADER,
  PROBE_VERSION,
  proxytrust,
  verifyProbe,
} from '../node/index.js';

/** Single rules to break in the proxytrust flavour, for tests. */
export interface AppFaults {
  /**
   * The app cannot see TLS: its connection facts say plain http and no proxy tells it
   * otherwise, so it never believes https (the classic redirect loop).
   */
  readonly neverSecure?: boolean;
  /** A layer in front adds its own Strict-Transport-Security to https responses, on top of the app's. */
  readonly duplicateHsts?: boolean;
  /** A layer in front adds Strict-Transport-Security to plain-http responses. */
  readonly hstsOverHttp?: boolean;
  /** A layer in front turns the app's permanent https redirect into a 302. */
  readonly temporaryRedirect?: boolean;
  /** The https redirect exempts no path, so the health paths are redirected too. */
  readonly redirectHealth?: boolean;
}

/** How the app behaves. */
export interface AppOptions {
  readonly mode: 'proxytrust' | 'naive';
  /** The proxytrust policy (trustedProxies, headers, allowedHosts); the naive flavour has none. */
  readonly policy?: PolicyOptions;
  /** The https port clients use, for redirects (default 443). */
  readonly publicHttpsPort?: number;
  /**
   * The host redirects point at (`httpsRedirect.host`). The middleware requires it when the
   * policy has no allowedHosts; by default redirects go to the resolved, allowed host.
   */
  readonly redirectHost?: string;
  /** HSTS max-age; 0 sends none (default 31536000). */
  readonly hstsMaxAge?: number;
  /** Mark cookies Secure on secure responses (default true). */
  readonly secureCookies?: boolean;
  /** Check Origin on unsafe methods (default true). */
  readonly csrf?: boolean;
  /** Redirect plain http to https (default true). */
  readonly httpsRedirect?: boolean;
  /** Paths answered `ok` and never redirected (default ['/healthz']). */
  readonly healthPaths?: readonly string[];
  /** Serve the probe with this secret (at least 16 characters). */
  readonly probeSecret?: string;
  /**
   * The proxytrust flavour's warnings. Default: dropped, since the audit's spoof attempts
   * are expected and would otherwise reach process warnings.
   */
  readonly onWarning?: (warning: HttpWarning) => void;
  readonly faults?: AppFaults;
}

const DEFAULT_HSTS_MAX_AGE = 31536000;
const SESSION_COOKIE = 'sessionid=s3cr3t; Path=/; HttpOnly; SameSite=Lax';

/** The request handler for `options`. */
export function createApp(options: AppOptions): RequestListener {
  return options.mode === 'naive' ? naiveApp(options) : proxytrustApp(options);
}

function pathOf(req: IncomingMessage): string {
  return (req.url ?? '/').split('?')[0] ?? '/';
}

function isSafe(req: IncomingMessage): boolean {
  return req.method === 'GET' || req.method === 'HEAD';
}

/** The page behind the middleware: health paths, POST, and a page with a cookie and a link. */
function page(health: ReadonlySet<string>): RequestListener {
  return (req, res) => {
    if (health.has(pathOf(req))) {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('ok\n');
      return;
    }
    if (!isSafe(req)) {
      req.resume();
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('accepted\n');
      return;
    }
    const view = getView(req)!;
    // Set without Secure: the middleware adds it on secure responses (secureCookies).
    res.setHeader('Set-Cookie', SESSION_COOKIE);
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    // No host at all (HTTP/1.0 without allowedHosts): nothing to link to.
    const link = view.host === undefined ? '' : `<a href="${absoluteUrl(req, '/next')}">next</a>`;
    res.end(`<!doctype html><title>demo</title><p>Hello from ${view.clientIp}.</p>${link}\n`);
  };
}

/** The proxytrust flavour: `proxytrust/node` around the page, plus the faults asked for. */
function proxytrustApp(options: AppOptions): RequestListener {
  const faults = options.faults ?? {};
  const healthPaths = options.healthPaths ?? ['/healthz'];
  const hstsMaxAge = options.hstsMaxAge ?? DEFAULT_HSTS_MAX_AGE;
  const sink = options.onWarning ?? (() => {});
  const guard = proxytrust({
    ...options.policy,
    httpsRedirect:
      options.httpsRedirect === false
        ? false
        : {
            exempt: faults.redirectHealth ? [] : healthPaths,
            host: options.redirectHost,
            port: options.publicHttpsPort,
            statusForGet: 308,
          },
    hsts: hstsMaxAge > 0 ? { maxAge: hstsMaxAge, includeSubDomains: true } : false,
    secureCookies: options.secureCookies ?? true,
    csrf: options.csrf ?? true,
    probe: options.probeSecret ? { secret: options.probeSecret } : undefined,
    onWarning: (w) => sink(w),
    connection: faults.neverSecure
      ? (req) => ({ peer: req.socket.remoteAddress, encrypted: false })
      : undefined,
  });
  const app = guard.wrap(page(new Set(healthPaths)));
  const front = frontLayer(faults, hstsMaxAge || DEFAULT_HSTS_MAX_AGE);
  if (front === undefined) return app;
  return (req, res) => {
    front(req, res);
    app(req, res);
  };
}

/**
 * The response side of a misconfigured layer in front of the app (an nginx `add_header
 * Strict-Transport-Security ... always` in the wrong server block, a rewrite of the redirect
 * status): it acts as the head is written, after the middleware's own header rules.
 */
function frontLayer(
  faults: AppFaults,
  maxAge: number,
): ((req: IncomingMessage, res: ServerResponse) => void) | undefined {
  if (!faults.duplicateHsts && !faults.hstsOverHttp && !faults.temporaryRedirect) return undefined;
  return (req, res) => {
    const encrypted = (req.socket as TLSSocket).encrypted === true;
    const writeHead = res.writeHead as (this: ServerResponse, ...args: unknown[]) => ServerResponse;
    res.writeHead = function (this: ServerResponse, status: number, ...rest: unknown[]) {
      res.writeHead = writeHead as ServerResponse['writeHead'];
      if (faults.temporaryRedirect && (status === 301 || status === 308)) status = 302;
      if (encrypted ? faults.duplicateHsts : faults.hstsOverHttp) {
        this.appendHeader('Strict-Transport-Security', `max-age=${maxAge}`);
      }
      return writeHead.call(this, status, ...rest);
    } as ServerResponse['writeHead'];
  };
}

/** The first comma-separated value of a header, as "trust proxy = true" frameworks read it. */
function leftmost(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  const text = Array.isArray(v) ? v.join(',') : v;
  return text?.split(',')[0]?.trim() || undefined;
}

/**
 * The naive flavour: believes the leftmost X-Forwarded-* values from anyone, checks no host,
 * and otherwise keeps the rules (redirect with the health paths exempt, HSTS, Secure
 * cookies, an Origin check) on what it believes, so only the spoofing checks fail.
 */
function naiveApp(options: AppOptions): RequestListener {
  const hstsMaxAge = options.hstsMaxAge ?? DEFAULT_HSTS_MAX_AGE;
  const health = new Set(options.healthPaths ?? ['/healthz']);
  return (req, res) => {
    const encrypted = (req.socket as TLSSocket).encrypted === true;
    const scheme = leftmost(req, 'x-forwarded-proto') ?? (encrypted ? 'https' : 'http');
    const secure = scheme === 'https';
    const host = leftmost(req, 'x-forwarded-host') ?? req.headers.host;
    const hostname = host?.replace(/:\d*$/, '');
    const peer = req.socket.remoteAddress;
    const clientIp = leftmost(req, 'x-forwarded-for') ?? peer;
    const path = pathOf(req);
    const send = (status: number, body: string, headers: Record<string, string> = {}) => {
      if (secure && hstsMaxAge > 0) {
        headers['Strict-Transport-Security'] = `max-age=${hstsMaxAge}; includeSubDomains`;
      }
      res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', ...headers });
      res.end(body);
    };

    if (options.probeSecret && path === DEFAULT_PROBE_PATH) {
      const sig = req.headers[PROBE_HEADER];
      if (verifyProbe(options.probeSecret, typeof sig === 'string' ? sig : undefined, path)) {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
        res.end(
          JSON.stringify({
            version: PROBE_VERSION,
            view: { scheme, secure, host, hostname, clientIp, peer },
            forwarded: forwardedLines(req.rawHeaders),
            warnings: [],
          }),
        );
        return;
      }
    }
    if (options.httpsRedirect !== false && !secure && !health.has(path)) {
      const port = options.publicHttpsPort;
      const authority = port && port !== 443 ? `${hostname}:${port}` : hostname;
      send(isSafe(req) ? 308 : 307, '', { Location: `https://${authority}${req.url ?? '/'}` });
      return;
    }
    if (health.has(path)) {
      send(200, 'ok\n');
      return;
    }
    if (!isSafe(req)) {
      req.resume();
      if (options.csrf !== false && req.headers.origin !== `${scheme}://${host}`) {
        send(403, 'Forbidden: origin\n');
        return;
      }
      send(200, 'accepted\n');
      return;
    }
    const cookie = `${SESSION_COOKIE}${secure && options.secureCookies !== false ? '; Secure' : ''}`;
    send(
      200,
      `<!doctype html><title>demo</title><p>Hello from ${clientIp}.</p><a href="${scheme}://${host}/next">next</a>\n`,
      { 'Set-Cookie': cookie },
    );
  };
}
