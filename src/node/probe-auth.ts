/**
 * The probe's authentication, shared by the middleware (which verifies) and
 * `proxytrust audit` (which signs). One place, so the two can never drift.
 *
 * A probe request carries one header:
 *
 *     X-Proxytrust-Probe: t=<unix seconds>, sig=<hex HMAC-SHA256(secret, "<t>\n<path>")>
 *
 * where `path` is the request's path without the query string. The signature is valid for
 * `windowSeconds` (default 30) either side of the server's clock. Anything that fails is
 * answered exactly like an unknown path, so an unauthenticated client learns nothing.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header that carries the probe signature (lower-case). */
export const PROBE_HEADER = 'x-proxytrust-probe';
/** The default probe path. */
export const DEFAULT_PROBE_PATH = '/.well-known/proxytrust/probe';
/** The default replay window, in seconds. */
export const DEFAULT_PROBE_WINDOW_SECONDS = 30;
/** The version of the probe's JSON answer. */
export const PROBE_VERSION = 1;

function mac(secret: string, t: number, path: string): string {
  return createHmac('sha256', secret).update(`${t}\n${path}`).digest('hex');
}

/** The header value that authenticates a probe of `path` at time `nowMs`. */
export function signProbe(secret: string, path: string, nowMs: number = Date.now()): string {
  if (typeof secret !== 'string' || secret.length < 16) {
    throw new TypeError('probe secret must be a string of at least 16 characters');
  }
  const t = Math.floor(nowMs / 1000);
  return `t=${t}, sig=${mac(secret, t, path)}`;
}

/**
 * Check a probe header value for `path`. Returns true only for a well-formed header whose
 * timestamp is within the window and whose signature matches (compared in constant time).
 */
export function verifyProbe(
  secret: string,
  header: string | undefined,
  path: string,
  nowMs: number = Date.now(),
  windowSeconds: number = DEFAULT_PROBE_WINDOW_SECONDS,
): boolean {
  if (typeof header !== 'string' || header.length > 200) return false;
  const m = /^t=(\d{1,12}),\s*sig=([0-9a-f]{64})$/.exec(header.trim());
  if (!m) return false;
  const t = Number(m[1]);
  if (Math.abs(Math.floor(nowMs / 1000) - t) > windowSeconds) return false;
  const want = Buffer.from(mac(secret, t, path), 'hex');
  const got = Buffer.from(m[2]!, 'hex');
  return want.length === got.length && timingSafeEqual(want, got);
}
