/**
 * The HTTP layer's own warning codes, beside the core's. Same shape as the core's
 * `Warning`, so one `onWarning` hook receives both.
 */
import type { Warning, WarningCode } from '../core/index.js';

/** Stable codes for what the HTTP layer itself notices. A code never changes meaning. */
export const HttpWarningCodes = {
  /** An absolute-form request target (`GET http://host/ HTTP/1.1`) was refused: bad syntax, a host outside allowedHosts, or an authority that differs from the Host header. */
  TARGET_HOST_REFUSED: 'TARGET_HOST_REFUSED',
  /** Redirects are on and a trusted proxy sent no believable scheme: every request looks like http (a redirect loop behind a TLS proxy). Rate-limited. */
  REDIRECT_NO_SCHEME: 'REDIRECT_NO_SCHEME',
  /** Redirects are on and an untrusted peer sent a scheme header: the request is redirected; a loop if that peer is your TLS proxy. Rate-limited. */
  REDIRECT_UNTRUSTED_SCHEME: 'REDIRECT_UNTRUSTED_SCHEME',
  /** An unsafe request failed the CSRF origin check and got 403. */
  CSRF_REFUSED: 'CSRF_REFUSED',
  /** A cookie marked Secure was set on an http response: browsers drop it. Rate-limited. */
  SECURE_COOKIE_ON_HTTP: 'SECURE_COOKIE_ON_HTTP',
  /** A session-like cookie was set without Secure on an http response. Rate-limited. */
  SESSION_COOKIE_INSECURE: 'SESSION_COOKIE_INSECURE',
} as const;

/** One of {@link HttpWarningCodes}. */
export type HttpWarningCode = (typeof HttpWarningCodes)[keyof typeof HttpWarningCodes];

/** A warning from the core (about the request's headers) or from the HTTP layer. */
export interface HttpWarning extends Omit<Warning, 'code'> {
  readonly code: WarningCode | HttpWarningCode;
}
