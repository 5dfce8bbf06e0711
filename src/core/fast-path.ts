/**
 * The fast path: the common request answered without the general machinery of
 * ./resolve.ts, which it must agree with (a property test holds the two equal). It applies
 * when the policy trusts by address only, has no shared secret and believes no header but
 * X-Forwarded-For, -Proto and -Host; the request is a plain header object or `rawHeaders`
 * with each of those on one line, X-Forwarded-For a list of plain addresses, at most one
 * exact `http`/`https` X-Forwarded-Proto and one valid X-Forwarded-Host, and nothing that
 * would produce a warning. Anything else returns undefined and takes the general path.
 * Headers the policy does not believe are not read at all, as in the general path.
 */
import {
  addToTrustCache,
  inTrustCache,
  matchRanges,
  scanAddress,
  scanned,
  scannedPort,
} from './address.js';
import { type HeaderRecord, type HeadersLike, type Lines, sameName } from './headers.js';
import { formatHost } from './host.js';
import { trimOwsEnd } from './ows.js';
import type { Policy } from './policy.js';
import { hostAllowedAt, hostSlotOf, NO_WARNINGS, type RequestFacts, ResolvedView } from './view.js';

/** A Connection header that certainly names no header (anything else takes the general path). */
function quietConnection(c: Lines): boolean {
  return (
    c === 'keep-alive' || c === 'close' || c === 'Keep-Alive' || c === 'upgrade' || c === 'Upgrade'
  );
}

/**
 * What {@link scanRaw} found: where the fast path's headers' values are in `rawHeaders`
 * (0 when absent). Small integers, not the strings: a store of a new string into this
 * long-lived object would pay the garbage collector's write barrier on every request.
 */
const raw = { xff: 0, xfp: 0, xfh: 0, conn: 0, host: 0 };

/**
 * Does the raw `name` equal `title` (its usual spelling) or the lower-case `lower`, in any
 * case? `first` is `lower`'s first character: the other headers of the same length
 * (Accept-Encoding against X-Forwarded-For, User-Agent against Connection) mostly fail
 * on it without a string comparison.
 */
function named(name: string, first: number, title: string, lower: string): boolean {
  return (
    (name.charCodeAt(0) | 0x20) === first &&
    (name === title || name === lower || sameName(name, lower))
  );
}

/**
 * One pass over `rawHeaders` for the fast path: where the five headers it reads are, into `raw`.
 * False (take the general path) when one of them is on several lines or when an entry is
 * not a string. Headers the fast path's policies do not believe are passed over.
 * Other names are told apart by length first, so most cost one switch.
 */
function scanRaw(lines: readonly string[]): boolean {
  raw.xff = raw.xfp = raw.xfh = raw.conn = raw.host = 0;
  const n = lines.length;
  if (n % 2 !== 0) return false;
  for (let i = 0; i < n; i += 2) {
    const name = lines[i];
    const value = lines[i + 1];
    if (typeof name !== 'string' || typeof value !== 'string') return false;
    switch (name.length) {
      case 4:
        if (named(name, 0x68, 'Host', 'host')) {
          if (raw.host !== 0) return false;
          raw.host = i + 1;
        }
        break;
      case 10:
        if (named(name, 0x63, 'Connection', 'connection')) {
          if (raw.conn !== 0) return false;
          raw.conn = i + 1;
        }
        break;
      case 15:
        if (named(name, 0x78, 'X-Forwarded-For', 'x-forwarded-for')) {
          if (raw.xff !== 0) return false;
          raw.xff = i + 1;
        }
        break;
      case 16:
        if (named(name, 0x78, 'X-Forwarded-Host', 'x-forwarded-host')) {
          if (raw.xfh !== 0) return false;
          raw.xfh = i + 1;
        }
        break;
      case 17:
        if (named(name, 0x78, 'X-Forwarded-Proto', 'x-forwarded-proto')) {
          if (raw.xfp !== 0) return false;
          raw.xfp = i + 1;
        }
        break;
      default:
        break;
    }
  }
  return true;
}

/** Where {@link lastQuad} found its element: [0] start, [1] end, [2] the comma before it or -1. */
const quadAt = new Int32Array(3);

/**
 * The last element of the list `s[0, end)`, read right to left in one pass: OWS, a plain
 * dotted quad (no leading zeros, octets 0..255), OWS, then a comma or the start. Returns
 * its value (as an unsigned 32-bit number) with its bounds in {@link quadAt}, or -1 when the
 * element is anything else (empty, IPv6, a port, junk), which the general path handles.
 */
function lastQuad(s: string, end: number): number {
  const b = trimOwsEnd(s, 0, end);
  let i = b - 1;
  let c = 0;
  let value = 0;
  let weight = 1;
  let octet = 0;
  let mul = 1;
  let digit = 0;
  let dots = 0;
  for (; ; i--) {
    c = i >= 0 ? s.charCodeAt(i) : 0x2c;
    if (c >= 0x30 && c <= 0x39) {
      if (mul === 1000) return -1;
      digit = c - 0x30;
      octet += digit * mul;
      mul *= 10;
      continue;
    }
    // The end of an octet: 1..3 digits, no leading zero, at most 255.
    if (mul === 1 || octet > 255 || (mul > 10 && digit === 0)) return -1;
    value += octet * weight;
    if (c !== 0x2e) break;
    if (++dots > 3) return -1;
    weight *= 256;
    octet = 0;
    mul = 1;
  }
  if (dots !== 3) return -1;
  quadAt[0] = i + 1;
  quadAt[1] = b;
  const comma = trimOwsEnd(s, 0, i + 1) - 1;
  if (comma >= 0 && s.charCodeAt(comma) !== 0x2c) return -1;
  quadAt[2] = comma;
  return value;
}

/**
 * The common case, answered without the general machinery (see the module comment).
 * Returns undefined, for the general path, whenever it does not apply.
 */
export function fastPath(policy: Policy, req: RequestFacts): ResolvedView | undefined {
  const p = policy._;
  const cache = p.trustCache;
  if (cache === undefined || !p.fastPathOk || req?.headersTruncated === true) return undefined;
  const input = req.headers;
  if (input === null || typeof input !== 'object') return undefined;
  // A plain object is read with constant keys; rawHeaders with one pass that picks out
  // the few names this path reads (a header on several lines comes back as an array,
  // which the checks below refuse).
  let xff: Lines | undefined;
  let xfp: Lines | undefined;
  let xfh: Lines | undefined;
  let conn: Lines | undefined;
  let host: Lines | undefined;
  if (Array.isArray(input)) {
    const lines = input as readonly string[];
    if (!scanRaw(lines)) return undefined;
    if (raw.xff !== 0 && p.xff) xff = lines[raw.xff];
    if (raw.xfp !== 0 && p.xfp) xfp = lines[raw.xfp];
    if (raw.xfh !== 0 && p.xfh) xfh = lines[raw.xfh];
    if (raw.conn !== 0) conn = lines[raw.conn];
    if (raw.host !== 0) host = lines[raw.host];
  } else if (typeof (input as HeadersLike).get === 'function') return undefined;
  else {
    const rec = input as HeaderRecord;
    if (p.xff) xff = rec['x-forwarded-for'];
    if (p.xfp) xfp = rec['x-forwarded-proto'];
    if (p.xfh) xfh = rec['x-forwarded-host'];
    conn = rec.connection;
    host = rec.host;
  }
  const peer = req.peer;
  if (typeof peer !== 'string') return undefined;
  if (
    (conn !== undefined && !quietConnection(conn)) ||
    (xff !== undefined && typeof xff !== 'string') ||
    (xfp !== undefined && xfp !== 'https' && xfp !== 'http') ||
    (xfh !== undefined && (typeof xfh !== 'string' || xfh.indexOf(',') >= 0))
  ) {
    return undefined;
  }
  // The socket peer must be trusted (the untrusted case reports spoof attempts).
  if (!inTrustCache(cache, peer, 0, peer.length)) {
    const v = scanAddress(peer, 0, peer.length);
    if (v === 0 || scannedPort[1] !== 1 || !matchRanges(p.ranges, v, scanned)) return undefined;
    addToTrustCache(cache, peer);
  }
  if (xff === undefined && xfp === undefined && xfh === undefined) return undefined;
  // Walk X-Forwarded-For right to left over plain dotted quads, each read in one pass.
  // Only the element where the walk stops becomes text: trusted hops are passed over.
  let clientIp = peer;
  if (xff !== undefined) {
    let pos = xff.length;
    let a = 0;
    let b = 0;
    for (let i = 0; ; i++) {
      if (pos < 0 || i >= p.maxHops - 1) return undefined;
      const v = lastQuad(xff, pos);
      if (v < 0) return undefined;
      a = quadAt[0]!;
      b = quadAt[1]!;
      pos = quadAt[2]!;
      scanned[0] = v;
      if (!matchRanges(p.ranges, 4, scanned) || pos < 0) break;
    }
    clientIp = a === 0 && b === xff.length ? xff : xff.slice(a, b);
  }
  // The literals, not the header's own strings: later compares are then pointer compares.
  const scheme: 'http' | 'https' =
    xfp === 'https' ? 'https' : xfp === 'http' ? 'http' : req.encrypted === true ? 'https' : 'http';
  if (xfh === undefined && typeof host !== 'string') return undefined;
  const slot = hostSlotOf(p, xfh ?? (host as string));
  if (slot < 0) return undefined;
  const hostP = p.hostCacheValues[slot]!;
  // The forwarded host's port, or the Host header's, else the scheme's default.
  const port = hostP.port ?? (scheme === 'https' ? 443 : 80);
  let hostAllowed: boolean | undefined;
  if (policy.allowedHosts !== undefined) {
    hostAllowed = hostAllowedAt(p, policy.allowedHosts, slot);
    if (!hostAllowed) return undefined;
  }
  return new ResolvedView(
    scheme,
    // parseHost keeps an IPv6 literal's brackets, so without a port the text is the name.
    hostP.port === undefined ? hostP.hostname : formatHost(hostP.hostname, port, scheme),
    hostP.hostname,
    port,
    clientIp,
    undefined,
    undefined,
    undefined,
    peer,
    true,
    hostAllowed,
    xff !== undefined || xfp !== undefined || xfh !== undefined ? 'x-forwarded' : undefined,
    NO_WARNINGS,
    undefined,
    undefined,
    policy,
    req,
  );
}
