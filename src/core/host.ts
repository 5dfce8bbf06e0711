/**
 * Host parsing, formatting and allowed-hosts matching.
 *
 * The syntax follows RFC 3986 `host [ ":" port ]`, narrowed to what Django accepts
 * (`[a-z0-9.-]` names and bracketed IPv6 literals) and tightened where Django is loose
 * (empty labels, out-of-range ports, malformed IPv6 literals). Every rule and every
 * difference from Django is listed in docs/hosts-and-origins.md.
 *
 * Everything here is pure and index-based: no regular expressions, no allocation beyond
 * the result on the success path, and no exceptions from the parsers.
 */

/** A parsed `host [ ":" port ]` value. */
export interface ParsedHost {
  /** Lower-cased, trailing dot dropped; IPv6 literals keep their brackets ("[::1]"). */
  readonly hostname: string;
  /** Explicit port, or undefined when none was given. */
  readonly port: number | undefined;
}

/** The longest host value (hostname, brackets and port together) that parseHost accepts. */
export const MAX_HOST_LENGTH = 255;

const COLON = 0x3a;
const DOT = 0x2e;
const HYPHEN = 0x2d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHexDigit(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

/**
 * Validate a dotted-quad IPv4 address in `s[start, end)`: four decimal octets 0..255,
 * no leading zeros (RFC 3986 `dec-octet`).
 */
function isDottedQuad(s: string, start: number, end: number): boolean {
  let octets = 0;
  let i = start;
  while (true) {
    const first = i;
    let value = 0;
    while (i < end && isDigit(s.charCodeAt(i))) {
      value = value * 10 + (s.charCodeAt(i) - 0x30);
      i++;
      if (i - first > 3) return false;
    }
    const digits = i - first;
    if (digits === 0 || value > 255) return false;
    if (digits > 1 && s.charCodeAt(first) === 0x30) return false;
    octets++;
    if (i === end) return octets === 4;
    if (s.charCodeAt(i) !== DOT || octets === 4) return false;
    i++;
  }
}

/**
 * Validate the inside of an IPv6 literal, `s[start, end)` (without the brackets), per
 * RFC 4291 section 2.2 / RFC 3986 `IPv6address`: 1-4 hex digits per group, at most one
 * `::` standing for at least one zero group, an optional dotted-quad in the last two
 * groups. Zone identifiers (`%25eth0`) and IPvFuture (`v1.x`) are not accepted.
 */
function isIPv6Address(s: string, start = 0, end = s.length): boolean {
  if (start >= end) return false;
  let groups = 0;
  let compressed = false;
  let i = start;
  if (s.charCodeAt(i) === COLON) {
    if (i + 1 >= end || s.charCodeAt(i + 1) !== COLON) return false;
    compressed = true;
    i += 2;
    if (i === end) return true;
  }
  while (true) {
    const first = i;
    while (i < end && isHexDigit(s.charCodeAt(i))) {
      i++;
      if (i - first > 4) break;
    }
    if (i < end && s.charCodeAt(i) === DOT) {
      // An embedded IPv4 address: must be the last piece and takes two groups.
      if (!isDottedQuad(s, first, end)) return false;
      groups += 2;
      break;
    }
    const digits = i - first;
    if (digits === 0 || digits > 4) return false;
    groups++;
    if (i === end) break;
    if (s.charCodeAt(i) !== COLON) return false;
    i++;
    if (i === end) return false; // a single trailing colon
    if (s.charCodeAt(i) === COLON) {
      if (compressed) return false; // a second "::"
      compressed = true;
      i++;
      if (i === end) break;
    }
    if (groups >= 8) return false;
  }
  return compressed ? groups <= 7 : groups === 8;
}

/**
 * Parse a port in `s[start, end)`: one or more ASCII digits (leading zeros allowed, as
 * RFC 3986 allows them), value 1..65535. Returns -1 when invalid.
 */
function parsePort(s: string, start: number, end: number): number {
  if (start >= end) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (!isDigit(c)) return -1;
    value = value * 10 + (c - 0x30);
    if (value > 65535) return -1;
  }
  return value === 0 ? -1 : value;
}

/**
 * Parse a Host / X-Forwarded-Host / Forwarded host= value (RFC 3986 `host [ ":" port ]`).
 * undefined when invalid. Never throws.
 *
 * Accepted:
 * - a name of ASCII letters, digits, `-` and `.` (Django's character set; no `_`, no
 *   percent-encoding, no other sub-delims, no non-ASCII: IDNs must arrive as punycode),
 *   with no empty label (`a..b`, `.a`); ONE trailing dot is dropped (`example.com.`);
 * - an IPv6 literal in brackets (`[::1]`), validated per RFC 4291, no zone identifier;
 * - an optional `:port` of ASCII digits with a value of 1..65535 (`host:` with an empty
 *   port is rejected, like Django does).
 *
 * The whole value is at most {@link MAX_HOST_LENGTH} characters. Letters are lower-cased.
 * Dotted-quad IPv4 addresses are names syntactically and come back unchanged.
 */
export function parseHost(value: string): ParsedHost | undefined {
  if (typeof value !== 'string') return undefined;
  const len = value.length;
  if (len === 0 || len > MAX_HOST_LENGTH) return undefined;
  let upper = false;
  let hostEnd: number; // end of the hostname as written (exclusive)
  let next: number; // index after the hostname (the colon, or len)
  if (value.charCodeAt(0) === OPEN_BRACKET) {
    let close = 1;
    while (close < len && value.charCodeAt(close) !== CLOSE_BRACKET) {
      const c = value.charCodeAt(close);
      if (c >= 0x41 && c <= 0x46) upper = true;
      close++;
    }
    if (close === len || !isIPv6Address(value, 1, close)) return undefined;
    hostEnd = close + 1;
    next = hostEnd;
  } else {
    let labelStart = 0;
    let i = 0;
    for (; i < len; i++) {
      const c = value.charCodeAt(i);
      if ((c >= 0x61 && c <= 0x7a) || isDigit(c) || c === HYPHEN) continue;
      if (c >= 0x41 && c <= 0x5a) {
        upper = true;
        continue;
      }
      if (c === DOT) {
        if (i === labelStart) return undefined; // empty label: leading dot or ".."
        labelStart = i + 1;
        continue;
      }
      if (c === COLON) break;
      return undefined;
    }
    if (i === 0) return undefined;
    next = i;
    // Drop ONE trailing dot. A second one was already rejected as an empty label.
    hostEnd = value.charCodeAt(i - 1) === DOT ? i - 1 : i;
  }
  let port: number | undefined;
  if (next < len) {
    if (value.charCodeAt(next) !== COLON) return undefined;
    const p = parsePort(value, next + 1, len);
    if (p < 0) return undefined;
    port = p;
  }
  let hostname = hostEnd === len ? value : value.slice(0, hostEnd);
  if (upper) hostname = hostname.toLowerCase();
  return { hostname, port };
}

/**
 * The default port of a scheme: 80 for http and ws, 443 for https and wss, undefined for
 * anything else. The scheme is compared case-insensitively.
 */
export function defaultPortForScheme(scheme: string): number | undefined {
  switch (scheme.toLowerCase()) {
    case 'http':
    case 'ws':
      return 80;
    case 'https':
    case 'wss':
      return 443;
    default:
      return undefined;
  }
}

/**
 * Format hostname + port, omitting the port when it is the default for the scheme
 * (80 http / 443 https). A bare IPv6 address (`::1`) is put in brackets. The hostname is
 * otherwise used as given: pass a hostname from {@link parseHost}.
 */
export function formatHost(hostname: string, port: number | undefined, scheme: string): string {
  const host =
    hostname.charCodeAt(0) !== OPEN_BRACKET && hostname.includes(':') ? `[${hostname}]` : hostname;
  if (port === undefined || port === defaultPortForScheme(scheme)) return host;
  return `${host}:${port}`;
}

/**
 * A compiled ALLOWED_HOSTS list. Call it with a hostname from {@link parseHost} (lower-cased,
 * no port, no trailing dot).
 */
export interface AllowedHosts {
  (hostname: string): boolean;
  /** The patterns as given. */
  readonly patterns: readonly string[];
  /** True when the list contains `*`: every host is allowed (the caller should warn). */
  readonly wildcard: boolean;
}

function invalidPattern(pattern: string, why: string): TypeError {
  return new TypeError(`allowed hosts: invalid pattern ${JSON.stringify(pattern)}: ${why}`);
}

/** Validate one non-wildcard pattern (without a leading dot) and return its lower-cased form. */
function compileHostPattern(original: string, name: string): string {
  if (name.includes('://')) {
    throw invalidPattern(original, 'a pattern is a host name, not a URL; remove the scheme');
  }
  if (name.includes('*')) {
    throw invalidPattern(
      original,
      'only a whole "*" or a leading dot (".example.com") is a wildcard; "*.example.com" matches nothing in Django',
    );
  }
  if (name.includes('/')) throw invalidPattern(original, 'a pattern cannot contain a path');
  if (name.endsWith('.')) {
    throw invalidPattern(
      original,
      'drop the trailing dot: hosts are compared without it, so this pattern would match nothing',
    );
  }
  const parsed = parseHost(name);
  if (parsed === undefined) {
    throw invalidPattern(
      original,
      'not a valid host name (letters, digits, "-" and "." with no empty label, or a bracketed IPv6 address)',
    );
  }
  if (parsed.port !== undefined) {
    throw invalidPattern(
      original,
      'a pattern cannot contain a port: hosts are matched without their port',
    );
  }
  return parsed.hostname;
}

/**
 * Compile Django-style ALLOWED_HOSTS patterns once: exact names, ".example.com" (the domain
 * and all subdomains), "*" (anything; the caller warns). Throws a TypeError naming the
 * offending pattern when a pattern is invalid (e.g. contains a scheme, a path, a port,
 * spaces). Matching is on the already-parsed, lower-cased hostname.
 *
 * Patterns are lower-cased. A pattern that Django would accept but that can never match
 * (a port, a trailing dot, `*.example.com`, an empty string) is refused with a TypeError.
 */
export function compileAllowedHosts(patterns: readonly string[]): AllowedHosts {
  const exact = new Set<string>();
  const suffixes: string[] = [];
  let wildcard = false;
  for (const pattern of patterns) {
    if (typeof pattern !== 'string') {
      throw new TypeError(`allowed hosts: a pattern must be a string, got ${typeof pattern}`);
    }
    if (pattern === '*') {
      wildcard = true;
      continue;
    }
    if (pattern.length === 0) throw invalidPattern(pattern, 'empty pattern');
    if (pattern.charCodeAt(0) === DOT) {
      const base = compileHostPattern(pattern, pattern.slice(1));
      if (base.charCodeAt(0) === OPEN_BRACKET) {
        throw invalidPattern(pattern, 'a leading dot cannot precede an IPv6 address');
      }
      exact.add(base);
      suffixes.push(`.${base}`);
    } else {
      exact.add(compileHostPattern(pattern, pattern));
    }
  }
  const suffixCount = suffixes.length;
  const matcher = (hostname: string): boolean => {
    if (wildcard) return true;
    if (exact.has(hostname)) return true;
    for (let i = 0; i < suffixCount; i++) {
      if (hostname.endsWith(suffixes[i]!)) return true;
    }
    return false;
  };
  return Object.defineProperties(matcher, {
    patterns: { value: Object.freeze([...patterns]), enumerable: true },
    wildcard: { value: wildcard, enumerable: true },
  }) as AllowedHosts;
}
