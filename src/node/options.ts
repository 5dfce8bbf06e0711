/**
 * The options of the HTTP layer, shared by every binding (node:http, Express, Fastify,
 * Koa, Hono). Everything is validated and compiled once, when the middleware is created:
 * a bad value throws a TypeError that names it.
 */
import type { Policy, PolicyOptions } from '../core/index.js';
import { type KeySchema, POLICY_KEYS, type SchemaOf } from '../core/keys.js';
import type { PathRule } from './paths.js';
import type { HttpWarning } from './warnings.js';

/** What a binding needs to know about the connection before believing any header. */
export interface ConnectionInfo {
  /** The immediate peer's address (the socket's, or the PROXY protocol source). */
  readonly peer: string | undefined;
  /** True when the connection to this server is TLS (or a trusted PROXY header says so). */
  readonly encrypted: boolean;
  /**
   * The peer proved its identity (a verified client certificate, see `proxytrust/identity`);
   * trusted when the policy has `trustVerifiedPeers`. Never set it from a header.
   */
  readonly peerVerified?: boolean;
}

/** HTTPS redirect settings (Django's SECURE_SSL_REDIRECT, Rails' force_ssl). */
export interface HttpsRedirectOptions<R> {
  /** Paths that are never redirected, such as health checks: exact paths, `{ prefix }`, RegExps or predicates. */
  readonly exempt?: readonly PathRule<R>[];
  /**
   * The host to redirect to (Django's SECURE_SSL_HOST), without a port. Default: the
   * request's resolved hostname, which the allowed-hosts check has already passed.
   */
  readonly host?: string;
  /** The https port to redirect to. Default 443 (left out of the URL). */
  readonly port?: number;
  /** Status for GET and HEAD: 301 (default) or 308. */
  readonly statusForGet?: 301 | 308;
  /** Status for other methods, which must keep method and body: 307 (default) or 308. */
  readonly statusForOther?: 307 | 308;
}

/** Strict-Transport-Security settings. Sent on secure responses only. */
export interface HstsOptions {
  /** Seconds. Default 31536000 (one year). */
  readonly maxAge?: number;
  /** Add `includeSubDomains`. Default false. */
  readonly includeSubDomains?: boolean;
  /** Add `preload`. Requires maxAge >= 31536000 and includeSubDomains, or creation throws. */
  readonly preload?: boolean;
}

/** The CSRF origin check for unsafe methods (Django 4's CsrfViewMiddleware origin rules). */
export interface CsrfOptions<R> {
  /** Scheme-qualified origins also accepted: `https://admin.example.com`, `https://*.example.com`. */
  readonly trustedOrigins?: readonly string[];
  /** Paths that skip the check (webhooks, token-authenticated APIs). */
  readonly exempt?: readonly PathRule<R>[];
}

/** The authenticated probe that `proxytrust audit --probe-secret` calls. Off unless a secret is set. */
export interface ProbeOptions {
  /** The shared secret (at least 16 characters), or several during a rotation. */
  readonly secret: string | readonly string[];
  /** The path. Default `/.well-known/proxytrust/probe`. */
  readonly path?: string;
  /** The replay window in seconds either side of the server clock. Default 30. */
  readonly windowSeconds?: number;
}

/** Cookie warnings on http responses. */
export interface CookieWarningOptions {
  /** Cookie names treated as session-like. Default: /sess|sid|auth|token|jwt|remember|login|csrf/i. */
  readonly sessionCookies?: RegExp;
}

/**
 * Options of the proxytrust middleware. `R` is what callbacks receive: the Node
 * `IncomingMessage` for node:http, Express, Fastify and Koa; the Hono `Context` for Hono.
 *
 * The trust policy is given either inline (every {@link PolicyOptions} field:
 * `trustedProxies`, `headers`, `allowedHosts`, `sharedSecret`, ...) or precompiled as
 * `policy`, not both.
 */
export interface ProxytrustOptions<R> extends PolicyOptions {
  /** A policy compiled with `compilePolicy`, instead of the inline policy fields. */
  readonly policy?: Policy;
  /** Redirect insecure requests to https. Off by default. Requires `allowedHosts` (or `httpsRedirect.host`). */
  readonly httpsRedirect?: boolean | HttpsRedirectOptions<R>;
  /** Strict-Transport-Security on secure responses. Off by default; `true` means one year. */
  readonly hsts?: boolean | HstsOptions;
  /** Add `Secure` to every Set-Cookie of a secure response that lacks it. Default true. */
  readonly secureCookies?: boolean;
  /** Warn about Secure cookies on http responses and session-like cookies without Secure. Default true. */
  readonly cookieWarnings?: boolean | CookieWarningOptions;
  /** The CSRF origin check for POST, PUT, PATCH, DELETE, ... Off by default. */
  readonly csrf?: boolean | CsrfOptions<R>;
  /** The authenticated probe endpoint for `proxytrust audit`. Off unless given. */
  readonly probe?: ProbeOptions;
  /**
   * Receives every warning: the core's about a request (spoofed headers, conflicts,
   * duplicates, hosts refused), CSRF refusals, the rate-limited diagnostics, and the
   * policy's warnings at start-up (`req` is then undefined). Unthrottled: it sees each one.
   * Giving it replaces the default log (see `logWarnings`).
   */
  readonly onWarning?: (warning: HttpWarning, req: R | undefined) => void;
  /**
   * Log one line per request: scheme, host, client IP, peer and the forwarded headers as
   * received. Default: on when the environment variable PROXYTRUST_DEBUG is `1`, `true`
   * or `yes`. A function receives the lines instead of stderr.
   */
  readonly debug?: boolean | ((line: string) => void);
  /**
   * Where the peer address and the TLS flag come from. Default: the socket, or the PROXY
   * protocol facts when the connection came through proxytrust's PROXY protocol listener
   * (on Hono: the runtime's connection info, see docs/frameworks.md).
   */
  readonly connection?: (req: R) => ConnectionInfo;
  /**
   * The default log, used when `onWarning` is not given. Default true: warnings about
   * requests that try to forge (forwarded headers from an untrusted peer, believed headers
   * that conflict, a `Connection` header that names a forwarded header, a header list cut
   * at Node's cap), the diagnostics and the policy's warnings go to stderr through
   * `process.emitWarning` (type `ProxytrustWarning`, the warning's code as `code`;
   * `console.warn` where there is no `process`), at most one line per code per
   * `diagnosticIntervalMs`, each line counting the ones held back since the previous.
   * `false` turns the default log off; `onWarning` replaces it.
   */
  readonly logWarnings?: boolean;
  /** The minimum interval between two log lines (or diagnostics) of the same code, in ms. Default 60000. */
  readonly diagnosticIntervalMs?: number;
}

/**
 * Every option key of {@link ProxytrustOptions}, nested objects included: an unknown key
 * throws at start-up, naming the nearest valid one. Checked by the compiler against the
 * interfaces above. @internal
 */
export const OPTION_KEYS = {
  ...POLICY_KEYS,
  policy: true,
  httpsRedirect: {
    exempt: true,
    host: true,
    port: true,
    statusForGet: true,
    statusForOther: true,
  } satisfies SchemaOf<HttpsRedirectOptions<unknown>>,
  hsts: { maxAge: true, includeSubDomains: true, preload: true } satisfies SchemaOf<HstsOptions>,
  secureCookies: true,
  cookieWarnings: { sessionCookies: true } satisfies SchemaOf<CookieWarningOptions>,
  csrf: { trustedOrigins: true, exempt: true } satisfies SchemaOf<CsrfOptions<unknown>>,
  probe: { secret: true, path: true, windowSeconds: true } satisfies SchemaOf<ProbeOptions>,
  onWarning: true,
  logWarnings: true,
  debug: true,
  connection: true,
  diagnosticIntervalMs: true,
} as const satisfies SchemaOf<ProxytrustOptions<unknown>> & KeySchema;
