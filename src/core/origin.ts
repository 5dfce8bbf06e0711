/**
 * Origin / Referer parsing and CSRF trusted-origins matching, following Django 4's
 * `CsrfViewMiddleware._origin_verified` semantics, with the differences listed in
 * docs/hosts-and-origins.md.
 */
import { defaultPortForScheme, parseHost } from './host.js';

/** A tuple origin: scheme, host and port, all normalised. */
export interface ParsedOrigin {
  /** `http` or `https`, lower-cased. */
  readonly scheme: string;
  /** As {@link parseHost} returns it: lower-cased, no trailing dot, IPv6 in brackets. */
  readonly hostname: string;
  /** The explicit port, or the scheme's default (80 / 443). */
  readonly port: number;
}

/** Find `://` after a valid RFC 3986 scheme; returns its index, or -1. */
function schemeEnd(value: string): number {
  const len = value.length;
  for (let i = 0; i < len; i++) {
    const c = value.charCodeAt(i);
    const alpha = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
    if (alpha) continue;
    if (i > 0 && ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e)) continue;
    if (
      c === 0x3a &&
      i > 0 &&
      value.charCodeAt(i + 1) === 0x2f &&
      value.charCodeAt(i + 2) === 0x2f
    ) {
      return i;
    }
    return -1;
  }
  return -1;
}

/** The scheme in lower case when it is http or https, else undefined. */
function webScheme(value: string, end: number): 'http' | 'https' | undefined {
  if (end !== 4 && end !== 5) return undefined;
  const s = value.slice(0, end).toLowerCase();
  return s === 'http' || s === 'https' ? s : undefined;
}

/** Index of the end of the authority that starts at `start`: the first `/`, `?`, `#` or the end. */
function authorityEnd(value: string, start: number): number {
  const len = value.length;
  for (let i = start; i < len; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x2f || c === 0x3f || c === 0x23) return i;
  }
  return len;
}

/** True when the value contains a control character, a space, DEL or a backslash. */
function hasForbiddenChars(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c === 0x5c) return true;
  }
  return false;
}

/**
 * Parse an Origin header value or a Referer URL into scheme/host/port (lower-cased).
 * undefined for "null", opaque, or invalid. Never throws.
 *
 * Only `http` and `https` origins are recognised. The host follows {@link parseHost}'s
 * rules; userinfo (`user@host`), an empty host, an empty port, spaces, control
 * characters and backslashes make the value invalid. A path, query or fragment after the
 * authority is allowed (Referer) and ignored.
 */
export function parseOrigin(value: string): ParsedOrigin | undefined {
  if (typeof value !== 'string' || value.length < 8) return undefined;
  const end = schemeEnd(value);
  if (end < 0) return undefined;
  const scheme = webScheme(value, end);
  if (scheme === undefined || hasForbiddenChars(value)) return undefined;
  const start = end + 3;
  const stop = authorityEnd(value, start);
  const authority = value.slice(start, stop);
  if (authority.includes('@')) return undefined;
  const host = parseHost(authority);
  if (host === undefined) return undefined;
  return { scheme, hostname: host.hostname, port: host.port ?? (scheme === 'https' ? 443 : 80) };
}

/** Same-origin test: scheme, hostname and port all equal. */
export function sameOrigin(a: ParsedOrigin, b: ParsedOrigin): boolean {
  return a.scheme === b.scheme && a.hostname === b.hostname && a.port === b.port;
}

/** A compiled CSRF_TRUSTED_ORIGINS list. */
export interface TrustedOrigins {
  (origin: ParsedOrigin): boolean;
  /** The entries as given. */
  readonly patterns: readonly string[];
}

interface SchemePort {
  readonly scheme: string;
  readonly port: number;
}

interface WildcardOrigin extends SchemePort {
  /** The domain itself, e.g. `example.com` (Django matches it too). */
  readonly base: string;
  /** `.example.com`: what a subdomain ends with. */
  readonly suffix: string;
}

function invalidEntry(entry: string, why: string): TypeError {
  return new TypeError(`trusted origins: invalid entry ${JSON.stringify(entry)}: ${why}`);
}

/**
 * Compile CSRF_TRUSTED_ORIGINS-style entries with Django 4's rules: each must be
 * scheme-qualified ("https://example.com", "https://*.example.com", with optional port);
 * a "*" subdomain wildcard matches subdomains (and what Django matches, check its source);
 * bare "https://*" is REJECTED with a TypeError explaining it silently matches nothing in
 * Django (FIELD.md lesson 10) — we refuse it loudly instead. Throws TypeError naming any
 * invalid entry.
 *
 * As in Django, `https://*.example.com` matches `https://example.com` itself as well as
 * every subdomain, on the entry's scheme and port only. Unlike Django, entries and origins
 * are compared as parsed tuples (case, trailing dot and default port normalised), and
 * entries that Django would accept but never match (a path, a trailing slash, a `*`
 * elsewhere than the whole first label) are refused. Only http and https are accepted.
 */
export function compileTrustedOrigins(patterns: readonly string[]): TrustedOrigins {
  const exact = new Map<string, SchemePort[]>();
  const wildcards: WildcardOrigin[] = [];
  for (const entry of patterns) {
    if (typeof entry !== 'string') {
      throw new TypeError(`trusted origins: an entry must be a string, got ${typeof entry}`);
    }
    const end = schemeEnd(entry);
    if (end < 0) {
      throw invalidEntry(
        entry,
        'an entry must start with a scheme, as in "https://example.com" (Django 4.0+ requires it too)',
      );
    }
    const scheme = webScheme(entry, end);
    if (scheme === undefined) {
      throw invalidEntry(entry, 'only http:// and https:// origins are supported');
    }
    const authority = entry.slice(end + 3);
    if (authorityEnd(authority, 0) !== authority.length) {
      throw invalidEntry(
        entry,
        'an origin has no path, query or fragment (not even a trailing "/"); Django compares the Origin header exactly, so this entry would never match',
      );
    }
    if (authority.includes('@')) throw invalidEntry(entry, 'an origin has no userinfo');
    if (authority === '*' || authority.startsWith('*:')) {
      throw invalidEntry(
        entry,
        'a bare "*" host is refused: Django silently matches nothing with it (it is not "trust every origin"); list the origins, or use "https://*.example.com" for subdomains',
      );
    }
    const wild = authority.startsWith('*.');
    const hostPart = wild ? authority.slice(2) : authority;
    if (hostPart.includes('*')) {
      throw invalidEntry(
        entry,
        'a wildcard must be the whole first label, as in "https://*.example.com"',
      );
    }
    const host = hasForbiddenChars(hostPart) ? undefined : parseHost(hostPart);
    if (host === undefined) {
      throw invalidEntry(
        entry,
        'the host is not valid (letters, digits, "-" and "." with no empty label, or a bracketed IPv6 address; an optional port 1..65535)',
      );
    }
    const port = host.port ?? defaultPortForScheme(scheme)!;
    if (wild) {
      if (host.hostname.charCodeAt(0) === 0x5b) {
        throw invalidEntry(entry, 'a "*." wildcard cannot precede an IPv6 address');
      }
      wildcards.push({ scheme, port, base: host.hostname, suffix: `.${host.hostname}` });
    } else {
      const list = exact.get(host.hostname);
      if (list === undefined) exact.set(host.hostname, [{ scheme, port }]);
      else list.push({ scheme, port });
    }
  }
  const matcher = (origin: ParsedOrigin): boolean => {
    const list = exact.get(origin.hostname);
    if (list !== undefined) {
      for (const e of list) if (e.scheme === origin.scheme && e.port === origin.port) return true;
    }
    for (const w of wildcards) {
      if (w.scheme !== origin.scheme || w.port !== origin.port) continue;
      if (origin.hostname === w.base || origin.hostname.endsWith(w.suffix)) return true;
    }
    return false;
  };
  return Object.defineProperty(matcher, 'patterns', {
    value: Object.freeze([...patterns]),
    enumerable: true,
  }) as TrustedOrigins;
}
