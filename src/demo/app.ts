/**
 * A small web app for the demo and the audit's tests, in two flavours:
 *
 * - `proxytrust`: the contract kept, over the core's `resolve`: allowed hosts (400),
 *   one https redirect with health exemptions, HSTS on secure responses only, Secure
 *   cookies, an Origin check on unsafe methods, and the authenticated probe.
 * - `naive`: the classic mistakes of frameworks with "trust proxy" switched on: it believes
 *   the leftmost X-Forwarded-Proto/-Host/-For from anyone and checks no host.
 *
 * `faults` break single rules on purpose, so that tests can prove each check fails.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import {
  compilePolicy,
  type PolicyOptions,
  resolve,
  type View,
  type Warning,
} from '../core/index.js';
import {
  DEFAULT_PROBE_PATH,
  PROBE_HEADER,
  PROBE_VERSION,
  verifyProbe,
} from '../node/probe-auth.js';

/** Single rules to break, for tests. */
export interface AppFaults {
  /** Never believe the request is secure (the classic redirect loop). */
  readonly neverSecure?: boolean;
  /** Send Strict-Transport-Security twice. */
  readonly duplicateHsts?: boolean;
  /** Send HSTS on plain http too. */
  readonly hstsOverHttp?: boolean;
  /** Redirect http with 302 instead of 308. */
  readonly temporaryRedirect?: boolean;
  /** Redirect health paths too. */
  readonly redirectHealth?: boolean;
  /** Put the request's Host in the page (a reflection, with no host check). */
  readonly reflectHost?: boolean;
}

/** How the app behaves. */
export interface AppOptions {
  readonly mode: 'proxytrust' | 'naive';
  /** The proxytrust policy (trustedProxies, headers, allowedHosts). */
  readonly policy?: PolicyOptions;
  /** The https port clients use, for redirects (default: the request's). */
  readonly publicHttpsPort?: number;
  /** HSTS max-age; 0 sends none (default 31536000). */
  readonly hstsMaxAge?: number;
  /** Mark cookies Secure on secure responses (default true). */
  readonly secureCookies?: boolean;
  /** Check Origin on unsafe methods (default true). */
  readonly csrf?: boolean;
  /** Redirect plain http to https (default true). */
  readonly httpsRedirect?: boolean;
  /** Paths never redirected (default ['/healthz']). */
  readonly healthPaths?: readonly string[];
  /** Serve the probe with this secret (at least 16 characters). */
  readonly probeSecret?: string;
  readonly faults?: AppFaults;
}

/** The view the app acts on (the naive flavour fills it from the leftmost values). */
type AppView = Pick<View, 'scheme' | 'secure' | 'host' | 'hostname' | 'clientIp' | 'peer'> & {
  readonly hostAllowed: boolean | undefined;
  readonly warnings: readonly Warning[];
  readonly full?: View;
};

const FORWARDED =
  /^(forwarded|x-forwarded-.*|x-real-ip|true-client-ip|cf-connecting-ip|cf-visitor|cloudfront-forwarded-proto|front-end-https|x-url-scheme)$/;

function forwardedLines(raw: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (!FORWARDED.test(name)) continue;
    const list = out[name] ?? [];
    list.push(raw[i + 1]!);
    out[name] = list;
  }
  return out;
}

function first(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  const text = Array.isArray(v) ? v.join(',') : v;
  return text?.split(',')[0]?.trim() || undefined;
}

/** The request handler for `options`. */
export function createApp(
  options: AppOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const policy = compilePolicy(options.policy ?? {});
  const hstsMaxAge = options.hstsMaxAge ?? 31536000;
  const health = new Set(options.healthPaths ?? ['/healthz']);
  const faults = options.faults ?? {};
  const probePath = DEFAULT_PROBE_PATH;

  const viewOf = (req: IncomingMessage): AppView => {
    const encrypted = (req.socket as TLSSocket).encrypted === true;
    const full = resolve(policy, {
      peer: req.socket.remoteAddress,
      headers: req.rawHeaders,
      encrypted,
    });
    if (options.mode === 'proxytrust') {
      const secure = faults.neverSecure ? false : full.secure;
      return { ...full, secure, scheme: secure ? 'https' : 'http', full };
    }
    const proto = first(req, 'x-forwarded-proto') ?? (encrypted ? 'https' : 'http');
    const host = first(req, 'x-forwarded-host') ?? req.headers.host;
    const secure = faults.neverSecure ? false : proto === 'https';
    return {
      scheme: secure ? 'https' : 'http',
      secure,
      host,
      hostname: host?.split(':')[0],
      clientIp: first(req, 'x-forwarded-for') ?? full.peer,
      peer: full.peer,
      hostAllowed: undefined,
      warnings: full.warnings,
    };
  };

  return (req, res) => {
    const view = viewOf(req);
    const url = req.url ?? '/';
    const path = url.split('?')[0] ?? '/';
    const send = (
      status: number,
      body: string,
      headers: Record<string, string | string[]> = {},
    ) => {
      if (view.secure && hstsMaxAge > 0) {
        const v = `max-age=${hstsMaxAge}; includeSubDomains`;
        headers['Strict-Transport-Security'] = faults.duplicateHsts ? [v, v] : v;
      } else if (faults.hstsOverHttp && hstsMaxAge > 0) {
        headers['Strict-Transport-Security'] = `max-age=${hstsMaxAge}`;
      }
      res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', ...headers });
      res.end(body);
    };

    if (options.probeSecret && path === probePath) {
      const header = req.headers[PROBE_HEADER];
      if (verifyProbe(options.probeSecret, typeof header === 'string' ? header : undefined, path)) {
        const { full: _full, ...shown } = view;
        res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
        res.end(
          JSON.stringify({
            version: PROBE_VERSION,
            view: { ...(view.full ?? {}), ...shown },
            forwarded: forwardedLines(req.rawHeaders),
            warnings: view.warnings,
          }),
        );
        return;
      }
      send(404, 'Not Found\n');
      return;
    }
    if (options.mode === 'proxytrust' && (view.hostAllowed === false || view.host === undefined)) {
      send(400, 'Bad Request: invalid host\n');
      return;
    }
    const isHealth = health.has(path);
    if (options.httpsRedirect !== false && !view.secure && (!isHealth || faults.redirectHealth)) {
      const port = options.publicHttpsPort;
      const authority = port && port !== 443 ? `${view.hostname}:${port}` : view.hostname;
      const safe = req.method === 'GET' || req.method === 'HEAD';
      const status = faults.temporaryRedirect ? 302 : safe ? 308 : 307;
      send(status, '', { Location: `https://${authority}${url}` });
      return;
    }
    if (isHealth) {
      send(200, 'ok\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      if (options.csrf !== false) {
        const origin = req.headers.origin;
        const own = `${view.scheme}://${view.host}`;
        if (typeof origin !== 'string' || origin !== own) {
          send(403, `Forbidden: origin ${typeof origin === 'string' ? 'mismatch' : 'missing'}\n`);
          return;
        }
      }
      req.resume();
      send(200, 'accepted\n');
      return;
    }
    const secure = view.secure && options.secureCookies !== false ? '; Secure' : '';
    const hostShown = faults.reflectHost ? (req.headers.host ?? '') : (view.host ?? '');
    send(
      200,
      `<!doctype html><title>demo</title><p>Hello from ${view.clientIp}.</p><a href="${view.scheme}://${hostShown}/next">next</a>\n`,
      { 'Set-Cookie': [`sessionid=s3cr3t; Path=/; HttpOnly; SameSite=Lax${secure}`] },
    );
  };
}
