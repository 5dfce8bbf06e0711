/**
 * Parsers for vendor and de-facto single-value forwarded headers, and the list splitter for the
 * `X-Forwarded-*` family. All pure; none throws, whatever the input.
 */

import { sliceTrimmed } from './ows.js';

const COMMA = 0x2c;

/** `value` with OWS (spaces and tabs) removed from both sides. */
function trimOws(value: string): string {
  return sliceTrimmed(value);
}

/** The longest `CF-Visitor` value that is parsed at all. */
export const CF_VISITOR_MAX_LENGTH = 256;

/**
 * Parse Cloudflare's `CF-Visitor` header (`{"scheme":"https"}`).
 *
 * Strict: the value (at most 256 characters) must be a JSON object whose `scheme` member is a
 * string; the lower-cased scheme is returned only when it is `http` or `https`. Anything else
 * (not JSON, an array, a missing or non-string `scheme`, another scheme) gives `undefined`.
 * A repeated `scheme` key follows `JSON.parse` (the last one wins).
 *
 * @param value the header value
 * @returns `'http'`, `'https'` or `undefined`
 */
export function parseCfVisitor(value: string): 'http' | 'https' | undefined {
  if (typeof value !== 'string' || value.length > CF_VISITOR_MAX_LENGTH) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  if (!Object.hasOwn(parsed, 'scheme')) return undefined;
  const scheme = (parsed as { scheme?: unknown }).scheme;
  if (typeof scheme !== 'string') return undefined;
  const lower = scheme.toLowerCase();
  return lower === 'https' ? 'https' : lower === 'http' ? 'http' : undefined;
}

/**
 * Parse an on/off scheme flag: `X-Forwarded-Ssl` or `Front-End-Https`.
 *
 * The value is trimmed of spaces and tabs and compared case-insensitively: `on` means https,
 * `off` means http, anything else (including `true`, `1`, empty) is `undefined`.
 *
 * @param value the header value
 * @returns `'https'`, `'http'` or `undefined`
 */
export function parseOnOff(value: string): 'https' | 'http' | undefined {
  if (typeof value !== 'string') return undefined;
  const v = trimOws(value);
  if (v.length === 2) {
    return (v.charCodeAt(0) | 0x20) === 0x6f && (v.charCodeAt(1) | 0x20) === 0x6e
      ? 'https'
      : undefined;
  }
  if (v.length === 3) {
    return (v.charCodeAt(0) | 0x20) === 0x6f &&
      (v.charCodeAt(1) | 0x20) === 0x66 &&
      (v.charCodeAt(2) | 0x20) === 0x66
      ? 'http'
      : undefined;
  }
  return undefined;
}

function isAlpha(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/**
 * Parse one scheme token: a `CloudFront-Forwarded-Proto`, `X-Forwarded-Protocol` or
 * `X-Url-Scheme` value, or one `X-Forwarded-Proto` list entry.
 *
 * The value is trimmed of spaces and tabs, must match the URI scheme syntax
 * `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )` (RFC 3986 section 3.1), and is returned
 * lower-cased. It is not checked against http/https: the caller decides that.
 *
 * @param value the header value or list entry
 * @returns the lower-cased scheme, or `undefined` when it is not valid scheme syntax
 */
export function parseSchemeToken(value: string): string | undefined {
  if (typeof value !== 'string') return undefined;
  const v = trimOws(value);
  if (v.length === 0 || !isAlpha(v.charCodeAt(0))) return undefined;
  let lower = true;
  for (let i = 1; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) {
      lower = false;
      continue;
    }
    if (
      (c >= 0x61 && c <= 0x7a) ||
      (c >= 0x30 && c <= 0x39) ||
      c === 0x2b ||
      c === 0x2d ||
      c === 0x2e
    ) {
      continue;
    }
    return undefined;
  }
  const c0 = v.charCodeAt(0);
  return lower && c0 >= 0x61 ? v : v.toLowerCase();
}

/**
 * Split a `CloudFront-Viewer-Address` value (`IP:port`; IPv6 is NOT bracketed, as in
 * `2001:db8::1:46532`) on its LAST colon.
 *
 * The value is trimmed of spaces and tabs. The port must be 1 to 5 decimal digits (no sign)
 * with a value in 0..65535, and the IP text must not be empty. The IP text is returned as is,
 * unvalidated: the caller validates it.
 *
 * @param value the header value
 * @returns the IP text and the port, or `undefined`
 */
export function splitCloudFrontViewerAddress(
  value: string,
): { ip: string; port: number } | undefined {
  if (typeof value !== 'string') return undefined;
  const v = trimOws(value);
  const colon = v.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const digits = v.length - colon - 1;
  if (digits < 1 || digits > 5) return undefined;
  let port = 0;
  for (let i = colon + 1; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return undefined;
    port = port * 10 + (c - 0x30);
  }
  if (port > 65535) return undefined;
  return { ip: v.slice(0, colon), port };
}

/**
 * Split a comma-separated header list that may arrive on several lines (`X-Forwarded-For`,
 * `-Proto`, `-Host`, `-Port`, `-Prefix`), keeping only the RIGHTMOST `max` values.
 *
 * The result equals `lines.join(',').split(',')` with each value trimmed of spaces and tabs,
 * then cut to its last `max` values: every line gives at least one value, and empty elements
 * are KEPT as `''` (so `''` gives `['']`, `'a,,b'` gives `['a', '', 'b']`), because they
 * matter for aligning the lists of one family. The caller reports them as malformed.
 *
 * Work is bounded by the size of the kept values: the scan runs from the right and stops as
 * soon as `max` values are found. `max` is floored; NaN or negative counts as 0. Never throws;
 * non-string lines are ignored.
 *
 * @param lines the header value, or its lines in order
 * @param max how many values to keep at most
 * @returns the kept values (left to right) and whether any were dropped
 */
export function splitList(
  lines: string | readonly string[],
  max: number,
): { values: string[]; truncated: boolean } {
  let cap = Math.floor(max);
  if (!(cap >= 0)) cap = 0;
  const values: string[] = [];

  if (typeof lines === 'string') {
    const truncated = scanLine(lines, values, cap);
    values.reverse();
    return { values, truncated };
  }
  if (!Array.isArray(lines)) return { values, truncated: false };

  let truncated = false;
  for (let li = lines.length - 1; li >= 0; li--) {
    const line: unknown = lines[li];
    if (typeof line !== 'string') continue;
    if (values.length >= cap) {
      truncated = true; // this line holds at least one more value
      break;
    }
    if (scanLine(line, values, cap)) {
      truncated = true;
      break;
    }
  }
  values.reverse();
  return { values, truncated };
}

/**
 * Push the values of one line onto `out`, right to left, until `out` holds `cap` values.
 * Returns true when the line still had values left over.
 */
function scanLine(line: string, out: string[], cap: number): boolean {
  let end = line.length;
  for (;;) {
    if (out.length >= cap) return true;
    let i = end - 1;
    while (i >= 0 && line.charCodeAt(i) !== COMMA) i--;
    // The value is line(i, end).
    out.push(sliceTrimmed(line, i + 1, end));
    if (i < 0) return false;
    end = i;
  }
}
