/**
 * proxytrust/node: the HTTP layer for node:http, Connect and Express (zero runtime
 * dependencies). One middleware resolves the view (scheme, host, client IP) from the
 * proxies you trust, and enforces it: allowed hosts, absolute-form targets, HTTPS
 * redirects with exemptions and a loop guard, HSTS, Secure cookies, the CSRF origin check,
 * and the authenticated probe for `proxytrust audit`. See docs/http-layer.md.
 *
 * ```ts
 * import { proxytrust, getView, absoluteUrl } from 'proxytrust/node';
 * app.use(proxytrust({ trustedProxies: ['10.0.0.0/8'], allowedHosts: ['app.example.com'],
 *   httpsRedirect: { exempt: ['/healthz'] }, hsts: true, csrf: true }));
 * ```
 * @module
 */
export { nodeConnection } from './connection.js';
export { addSecure, cookieName, hasSecure, SESSION_COOKIE_PATTERN } from './cookies.js';
export { type Answer, BAD_HOST, BAD_TARGET, forwardedLines } from './engine.js';
export {
  absoluteUrl,
  absoluteUrlOf,
  getView,
  type NodeMiddleware,
  proxytrust,
  VIEW_KEY,
} from './middleware.js';
export type {
  ConnectionInfo,
  CookieWarningOptions,
  CsrfOptions,
  HstsOptions,
  HttpsRedirectOptions,
  ProbeOptions,
  ProxytrustOptions,
} from './options.js';
export type { PathPredicate, PathRule } from './paths.js';
export {
  DEFAULT_PROBE_PATH,
  DEFAULT_PROBE_WINDOW_SECONDS,
  PROBE_HEADER,
  PROBE_VERSION,
  signProbe,
  verifyProbe,
} from './probe-auth.js';
export { type HttpWarning, type HttpWarningCode, HttpWarningCodes } from './warnings.js';
