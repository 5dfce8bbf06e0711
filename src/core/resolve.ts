/**
 * Resolution: from a request's socket facts and headers, and a compiled policy, to the
 * client's real scheme, host, port and IP, with the hops walked and the warnings.
 *
 * The walk (the trust contract, DESIGN.md):
 * 1. The socket peer comes first. If it is not trusted (or the shared secret is missing),
 *    no forwarded header is believed: the view is the socket's own facts, and forwarded
 *    headers that arrived anyway are reported as UNTRUSTED_FORWARDED.
 * 2. Otherwise the chain of the first believed family present (`Forwarded` or
 *    X-Forwarded-*, in the policy's order) is walked right to left: entry i is what hop i
 *    reported about its own client. Each reported client becomes the next hop; the walk goes
 *    on while that hop is trusted, and stops at the first untrusted address (the client),
 *    at a malformed entry, at `unknown`, or at the cap.
 * 3. Scheme, host, port and prefix are taken from the entries walked, the outermost entry
 *    that carries each winning; an entry's values are never read unless its hop was
 *    trusted, so nothing left of the client's own entry is ever believed.
 * 4. Single-value vendor families (CF-Connecting-IP, CloudFront-Forwarded-Proto, ...)
 *    describe the outermost trusted proxy's client and are believed only when that proxy is
 *    trusted for them (a preset's ranges, when the family came with a preset).
 * 5. For each field, the first family in the policy's `headers` order that gives a valid
 *    value wins; a later family that disagrees is reported as FAMILY_CONFLICT.
 */
import {
  addToTrustCache,
  inTrustCache,
  matchRanges,
  parseAddressWithPort,
  scanAddress,
  scanned,
  scannedPort,
  wordsText,
} from './address.js';
import { type ChainCursor, type ChainEntry, snapshot, type WarningSink } from './chain.js';
import { forwardedChain } from './forwarded-chain.js';
import {
  type HeaderInput,
  type HeaderReader,
  type HeaderRecord,
  type HeadersLike,
  headerReader,
  joinLines,
  type Lines,
  readRecord,
  sameName,
} from './headers.js';
import { type AllowedHosts, formatHost, type ParsedHost, parseHost } from './host.js';
import { trimOwsEnd } from './ows.js';
import { isTrustedText, type Policy, type PolicyInternals } from './policy.js';
import type { HeaderFamily } from './presets.js';
import {
  parseCfVisitor,
  parseOnOff,
  parseSchemeToken,
  splitCloudFrontViewerAddress,
  splitList,
} from './vendor.js';
import { clip, type Warning, WarningCodes } from './warnings.js';
import { xForwardedChain } from './x-forwarded.js';

/** What the server knows about one request before believing any header. */
export interface RequestFacts {
  /** The socket's remote address (`req.socket.remoteAddress`), or the PROXY protocol source. */
  readonly peer: string | undefined;
  /** The request headers: `req.rawHeaders` (best), `req.headers`, or a WHATWG `Headers`. */
  readonly headers: HeaderInput;
  /** True when the connection to this server is TLS. */
  readonly encrypted?: boolean;
  /**
   * True when the socket peer presented a client certificate that the server verified as
   * one of your proxies (see `proxytrust/identity`). Trusted only with the policy's
   * `trustVerifiedPeers`. The caller vouches for it; never set it from a header.
   */
  readonly peerVerified?: boolean;
  /**
   * True when the server dropped some of the request's header lines (Node keeps only the
   * first `maxHeadersCount` entries, silently), so a line a proxy appended may be missing:
   * then no forwarded header is believed, and HEADERS_TRUNCATED is warned. The node layer
   * sets it; the core cannot see the server.
   */
  readonly headersTruncated?: boolean;
}

/** Where a resolved field came from. */
export interface FieldSource {
  /** `socket`, or the header it was read from (lower-case). */
  readonly from: string;
  /** The hop whose entry gave it (0 = the socket peer's), or -1 for the socket. */
  readonly hop: number;
}

/** One address on the path from this server to the client. */
export interface Hop {
  /** 0 = the socket peer; i = the client reported by hop i-1. */
  readonly index: number;
  /** Canonical address, or the raw text when it is not an address. */
  readonly address: string;
  /** Whether the policy trusts this address (so its report was read). */
  readonly trusted: boolean;
  /** The entry this hop reported (only when trusted and a chain entry exists). */
  readonly entry?: ChainEntry;
}

/** The resolved view of a request: what the client really asked for, and how we know. */
export interface View {
  /** `https` or `http`. */
  readonly scheme: 'http' | 'https';
  /** `scheme === 'https'`. */
  readonly secure: boolean;
  /** `hostname[:port]`, the port omitted when it is the scheme's default; undefined when no usable host. */
  readonly host: string | undefined;
  /** Lower-case host name without port (IPv6 in brackets); undefined when no usable host. */
  readonly hostname: string | undefined;
  /** The port the client connected to. */
  readonly port: number;
  /** The client's address (canonical). When the chain says `unknown`, the nearest known address. */
  readonly clientIp: string;
  /** The client's source port, when a header reported it. */
  readonly clientPort: number | undefined;
  /** Set when the chain names the client as `unknown` or an obfuscated `_id`. */
  readonly clientIdentifier: string | undefined;
  /** The path prefix a proxy strips (X-Forwarded-Prefix), without trailing slash. */
  readonly prefix: string | undefined;
  /** The socket peer, canonical. */
  readonly peer: string;
  /** Whether the socket peer is trusted (and the shared secret, if any, was right). */
  readonly peerTrusted: boolean;
  /** Whether the host is allowed; undefined when the policy has no allowedHosts. */
  readonly hostAllowed: boolean | undefined;
  /** The family whose chain was walked, if any. */
  readonly chain: 'forwarded' | 'x-forwarded' | undefined;
  /** The path walked, from the socket peer out to the client. */
  readonly hops: readonly Hop[];
  /** Where scheme, host, port and client IP came from. */
  readonly sources: {
    readonly scheme: FieldSource;
    readonly host: FieldSource;
    readonly port: FieldSource;
    readonly clientIp: FieldSource;
  };
  /** What was odd, with stable codes. Empty when nothing was. */
  readonly warnings: readonly Warning[];
  /** Every field above, `hops` and `sources` included, as plain data (what JSON.stringify uses). */
  toJSON(): object;
}

const SOCKET: FieldSource = Object.freeze({ from: 'socket', hop: -1 });
const NO_WARNINGS: readonly Warning[] = Object.freeze([]);
const HOST_HEADER: FieldSource = Object.freeze({ from: 'host', hop: -1 });
const DEFAULT_HTTPS: FieldSource = Object.freeze({ from: 'default for https', hop: -1 });
const DEFAULT_HTTP: FieldSource = Object.freeze({ from: 'default for http', hop: -1 });

/** Mutable per-field candidates: value, the header it came from, the hop. */
interface Facts {
  scheme: 'http' | 'https' | undefined;
  schemeFrom: string | undefined;
  schemeHop: number;
  host: ParsedHost | undefined;
  hostFrom: string | undefined;
  hostHop: number;
  port: number | undefined;
  portFrom: string | undefined;
  portHop: number;
  prefix: string | undefined;
  clientIp: string | undefined;
  clientPort: number | undefined;
  clientFrom: string | undefined;
  clientHop: number;
  clientIdentifier: string | undefined;
  /** The outermost trusted proxy's address (set by the walk, when text was needed). */
  outer: string;
}

function emptyFacts(): Facts {
  return {
    scheme: undefined,
    schemeFrom: undefined,
    schemeHop: -1,
    host: undefined,
    hostFrom: undefined,
    hostHop: -1,
    port: undefined,
    portFrom: undefined,
    portHop: -1,
    prefix: undefined,
    clientIp: undefined,
    clientPort: undefined,
    clientFrom: undefined,
    clientHop: -1,
    clientIdentifier: undefined,
    outer: '',
  };
}

/** Per-request state shared by the steps. */
class Ctx implements WarningSink {
  warnings: Warning[] | undefined = undefined;
  /** Set for plain-object headers (the common case): read without a reader object. */
  private readonly rec: HeaderRecord | undefined;
  private readonly other: HeaderReader | undefined;
  constructor(
    readonly p: PolicyInternals,
    input: HeaderInput,
  ) {
    if (
      input !== null &&
      typeof input === 'object' &&
      !Array.isArray(input) &&
      typeof (input as HeadersLike).get !== 'function'
    ) {
      this.rec = input as HeaderRecord;
      this.other = undefined;
    } else {
      this.rec = undefined;
      this.other = headerReader(input ?? {}, p.interesting);
    }
  }
  /** A header's lines, by lower-case name. */
  get(name: string): Lines | undefined {
    return this.rec !== undefined ? readRecord(this.rec, name) : this.other!.get(name);
  }
  /**
   * Read a single-valued forwarded header (X-Forwarded-Proto/-Host/-Port/-Prefix); one sent on
   * several lines is reported, since a proxy sets it once. List headers (X-Forwarded-For,
   * Forwarded) legitimately arrive on several lines (HAProxy's `option forwardfor` adds one)
   * and are read with `get`.
   */
  lines(name: string): Lines | undefined {
    const v = this.get(name);
    if (v !== undefined && typeof v !== 'string' && v.length > 1) {
      this.warn({
        code: WarningCodes.DUPLICATE_HEADER_LINES,
        header: name,
        value: clip(v.join(' | ')),
        message: `${name} arrived on ${v.length} lines: a proxy sets it more than once; the lines are read as one list, left to right`,
      });
    }
    return v;
  }
  warn(w: Warning): void {
    if (this.warnings === undefined) this.warnings = [w];
    else if (this.warnings.length < 64) this.warnings.push(w);
  }
}

function schemeOf(
  value: string | undefined,
  header: string,
  hop: number,
  ctx: Ctx,
): 'http' | 'https' | undefined {
  if (value === 'https' || value === 'http') return value;
  if (value === undefined) return undefined;
  const s = parseSchemeToken(value);
  if (s === 'https' || s === 'http') return s;
  ctx.warn({
    code: s === undefined ? WarningCodes.MALFORMED_ENTRY : WarningCodes.UNKNOWN_SCHEME,
    header,
    hop,
    value: clip(value),
    message:
      s === undefined
        ? `${header} value "${clip(value)}" is not a scheme; ignored`
        : `${header} scheme "${clip(value)}" is neither http nor https; ignored`,
  });
  return undefined;
}

function portOf(
  value: string | undefined,
  header: string,
  hop: number,
  ctx: Ctx,
): number | undefined {
  if (value === undefined) return undefined;
  const t = value.trim();
  if (/^[0-9]{1,5}$/.test(t)) {
    const n = Number(t);
    if (n >= 1 && n <= 65535) return n;
  }
  ctx.warn({
    code: WarningCodes.INVALID_PORT,
    header,
    hop,
    value: clip(value),
    message: `${header} port "${clip(value)}" is not 1..65535; ignored`,
  });
  return undefined;
}

/**
 * Parse a host through a small per-policy cache: an app sees few distinct hosts, and the
 * parsed result is immutable, so a repeated Host costs a string comparison. Returns the
 * slot that holds it, or -1 when the text is not a valid host.
 */
function hostSlotOf(p: PolicyInternals, text: string): number {
  const keys = p.hostCacheKeys;
  for (let i = 0; i < keys.length; i++) if (keys[i] === text) return i;
  const h = parseHost(text.trim());
  if (h === undefined) return -1;
  const slot = p.hostCacheNext;
  p.hostCacheNext = (slot + 1) & 7;
  keys[slot] = text;
  p.hostCacheValues[slot] = h;
  p.hostCacheAllowed[slot] = undefined;
  return slot;
}

/** {@link hostSlotOf}'s host itself. */
function parseHostCached(p: PolicyInternals, text: string): ParsedHost | undefined {
  const slot = hostSlotOf(p, text);
  return slot < 0 ? undefined : p.hostCacheValues[slot];
}

/** `allowed` for the host in `slot`, kept beside it (allowedHosts is fixed per policy). */
function hostAllowedAt(p: PolicyInternals, allowed: AllowedHosts, slot: number): boolean {
  let a = p.hostCacheAllowed[slot];
  if (a === undefined) {
    a = allowed(p.hostCacheValues[slot]!.hostname);
    p.hostCacheAllowed[slot] = a;
  }
  return a;
}

function hostOf(
  value: string | undefined,
  header: string,
  hop: number,
  ctx: Ctx,
): ParsedHost | undefined {
  if (value === undefined) return undefined;
  const h = parseHostCached(ctx.p, value);
  if (h) return h;
  ctx.warn({
    code: WarningCodes.INVALID_HOST,
    header,
    hop,
    value: clip(value),
    message: `${header} host "${clip(value)}" is not a valid host; ignored`,
  });
  return undefined;
}

const PREFIX_OK = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/;

function prefixOf(value: string | undefined, hop: number, ctx: Ctx): string | undefined {
  if (value === undefined) return undefined;
  const t = value.trim();
  if (t.length <= 256 && PREFIX_OK.test(t) && !t.startsWith('//') && !/(^|\/)\.\.?(\/|$)/.test(t)) {
    return t.replace(/\/+$/, '');
  }
  ctx.warn({
    code: WarningCodes.MALFORMED_ENTRY,
    header: 'x-forwarded-prefix',
    hop,
    value: clip(value),
    message: `x-forwarded-prefix "${clip(value)}" is not a safe absolute path; ignored`,
  });
  return undefined;
}

/**
 * Walk one chain right to left from a trusted peer. When `rec` is given, the hops are
 * recorded into it (the trace path); the request path passes null and allocates nothing
 * per hop.
 */
function walk(chain: ChainCursor, peer: string, ctx: Ctx, rec: Hop[] | null): Facts {
  const p = ctx.p;
  const f = emptyFacts();
  const fam = chain.family;
  const hProto = fam === 'forwarded' ? 'forwarded' : 'x-forwarded-proto';
  const hHost = fam === 'forwarded' ? 'forwarded' : 'x-forwarded-host';
  const hFor = fam === 'forwarded' ? 'forwarded' : 'x-forwarded-for';
  // Hop addresses as text are needed only for the trace and for vendor families; the
  // request path asks the cursor for the client's text once, at the end.
  const needText = rec !== null || p.vendors.length > 0;
  let address = peer;
  let outer = peer;
  for (let i = 0; ; i++) {
    if (!chain.next()) {
      rec?.push({ index: i, address, trusted: true });
      if (chain.truncated) {
        ctx.warn({
          code: WarningCodes.LIMIT_EXCEEDED,
          header: hFor,
          hop: i,
          message: `${hFor} has more than ${p.maxHops} entries and every walked hop is trusted; the walk stopped at the cap`,
        });
      }
      break;
    }
    if (chain.malformed !== undefined) {
      rec?.push({ index: i, address, trusted: true, entry: snapshot(chain) });
      const raw = chain.raw();
      ctx.warn({
        code: WarningCodes.MALFORMED_ENTRY,
        header: hFor,
        hop: i,
        value: raw,
        message: `${hFor} entry ${i} from the right ("${raw}") is malformed (${chain.malformed}); the walk stops before it`,
      });
      break;
    }
    // Decide the next hop's trust first: the client's words are in `scanned` only now.
    const kind = chain.clientKind;
    let nextTrusted = false;
    if (kind === 1 && i + 1 < p.maxHops) {
      if (chain.clientKnownTrusted) nextTrusted = true;
      else {
        nextTrusted =
          i + 1 < p.hopCount ||
          matchRanges(p.ranges, chain.clientVersion as 4 | 6, scanned) ||
          (p.fns.length > 0 && isTrustedText(p, chain.clientText, i + 1));
        if (nextTrusted && p.trustCache !== undefined)
          addToTrustCache(p.trustCache, chain.clientText);
      }
    }
    rec?.push({ index: i, address, trusted: true, entry: snapshot(chain) });
    outer = address;
    if (chain.proto !== undefined) {
      const s = schemeOf(chain.proto, hProto, i, ctx);
      if (s !== undefined) {
        f.scheme = s;
        f.schemeFrom = hProto;
        f.schemeHop = i;
      }
    }
    let hostPort = false;
    if (chain.host !== undefined) {
      const h = hostOf(chain.host, hHost, i, ctx);
      if (h !== undefined) {
        f.host = h;
        f.hostFrom = hHost;
        f.hostHop = i;
        f.port = h.port;
        hostPort = h.port !== undefined;
        f.portFrom = hostPort ? hHost : undefined;
        f.portHop = i;
      }
    }
    if (chain.port !== undefined && !hostPort) {
      const port = portOf(chain.port, 'x-forwarded-port', i, ctx);
      if (port !== undefined) {
        f.port = port;
        f.portFrom = 'x-forwarded-port';
        f.portHop = i;
      }
    }
    if (chain.prefix !== undefined) {
      const pre = prefixOf(chain.prefix, i, ctx);
      if (pre !== undefined) f.prefix = pre;
    }
    if (kind === 0) {
      // An entry with no client (no X-Forwarded-For, or Forwarded without for=): the
      // client is this hop's own address as far as we can tell.
      break;
    }
    if (kind === 2) {
      f.clientIdentifier = chain.clientText;
      ctx.warn({
        code: WarningCodes.CLIENT_UNKNOWN,
        header: hFor,
        hop: i,
        value: chain.clientText,
        message: `hop ${i} reports its client as "${chain.clientText}"; the client address is unknown, so the nearest known address is used`,
      });
      break;
    }
    if (needText) address = chain.clientText;
    f.clientIp = PENDING;
    f.clientPort = chain.clientPort < 0 ? undefined : chain.clientPort;
    f.clientFrom = hFor;
    f.clientHop = i;
    if (i + 1 >= p.maxHops) {
      rec?.push({ index: i + 1, address, trusted: false });
      ctx.warn({
        code: WarningCodes.LIMIT_EXCEEDED,
        header: hFor,
        hop: i + 1,
        message: `the walk reached the cap of ${p.maxHops} hops; it stops there`,
      });
      break;
    }
    if (!nextTrusted) {
      rec?.push({ index: i + 1, address, trusted: false });
      break;
    }
  }
  if (f.clientIp === PENDING) f.clientIp = chain.lastClientText();
  f.outer = outer;
  return f;
}

/** Marks a client IP whose text is read from the cursor when the walk ends. */
const PENDING = '\u0000pending';

/** Read a single-valued header: identical repeats collapse, differing ones are refused. */
function single(ctx: Ctx, name: string): string | undefined {
  const lines = ctx.get(name);
  if (lines === undefined) return undefined;
  if (typeof lines === 'string' && lines.indexOf(',') < 0) return lines.trim();
  const { values } = splitList(lines, 16);
  if (values.length === 0) return undefined;
  const first = values[0]!;
  if (values.every((v) => v === first)) {
    if (values.length > 1) {
      ctx.warn({
        code: WarningCodes.DUPLICATED_VALUES,
        header: name,
        value: clip(joinLines(lines)),
        message: `${name} carries the same value ${values.length} times; "${clip(first)}" is used`,
      });
    }
    return first;
  }
  ctx.warn({
    code: WarningCodes.CONTRADICTORY_VALUES,
    header: name,
    value: clip(joinLines(lines)),
    message: `${name} carries ${values.length} different values; ignored`,
  });
  return undefined;
}

/** Facts from one vendor family, read as the report of the outermost trusted proxy. */
function vendorFacts(family: HeaderFamily, ctx: Ctx, hop: number): Facts | undefined {
  const f = emptyFacts();
  let any = false;
  const ip = (name: string): void => {
    const v = single(ctx, name);
    if (v === undefined) return;
    const a = parseAddressWithPort(v);
    if (!a) {
      ctx.warn({
        code: WarningCodes.MALFORMED_ENTRY,
        header: name,
        hop,
        value: clip(v),
        message: `${name} "${clip(v)}" is not an IP address; ignored`,
      });
      return;
    }
    f.clientIp = a.ip;
    f.clientPort = a.port;
    f.clientFrom = name;
    f.clientHop = hop;
    any = true;
  };
  const scheme = (name: string, parse: (v: string) => string | undefined): void => {
    const v = single(ctx, name);
    if (v === undefined) return;
    const s = parse(v);
    if (s === 'http' || s === 'https') {
      f.scheme = s;
      f.schemeFrom = name;
      f.schemeHop = hop;
      any = true;
    } else {
      ctx.warn({
        code: s === undefined ? WarningCodes.MALFORMED_ENTRY : WarningCodes.UNKNOWN_SCHEME,
        header: name,
        hop,
        value: clip(v),
        message: `${name} "${clip(v)}" does not name http or https; ignored`,
      });
    }
  };
  switch (family) {
    case 'x-real-ip':
      ip('x-real-ip');
      break;
    case 'cloudflare':
      ip('cf-connecting-ip');
      scheme('cf-visitor', parseCfVisitor);
      break;
    case 'true-client-ip':
      ip('true-client-ip');
      break;
    case 'fly':
      ip('fly-client-ip');
      break;
    case 'cloudfront': {
      scheme('cloudfront-forwarded-proto', parseSchemeToken);
      const v = single(ctx, 'cloudfront-viewer-address');
      if (v !== undefined) {
        const split = splitCloudFrontViewerAddress(v);
        const a = split ? parseAddressWithPort(split.ip) : undefined;
        if (split && a && a.port === undefined) {
          f.clientIp = a.ip;
          f.clientPort = split.port;
          f.clientFrom = 'cloudfront-viewer-address';
          f.clientHop = hop;
          any = true;
        } else {
          ctx.warn({
            code: WarningCodes.MALFORMED_ENTRY,
            header: 'cloudfront-viewer-address',
            hop,
            value: clip(v),
            message: `cloudfront-viewer-address "${clip(v)}" is not IP:port; ignored`,
          });
        }
      }
      break;
    }
    case 'x-forwarded-ssl':
      scheme('x-forwarded-ssl', parseOnOff);
      scheme('front-end-https', parseOnOff);
      break;
    case 'x-forwarded-protocol':
      scheme('x-forwarded-protocol', parseSchemeToken);
      break;
    case 'x-url-scheme':
      scheme('x-url-scheme', parseSchemeToken);
      break;
    default:
      break;
  }
  return any ? f : undefined;
}

/**
 * A vendor family's facts, when its headers are present and the outermost trusted proxy may
 * speak for it (for a family that came with a preset, that proxy must be in the preset's
 * ranges).
 */
function vendorFamilyFacts(
  fam: HeaderFamily,
  ctx: Ctx,
  outer: string,
  hop: number,
): Facts | undefined {
  const spec = ctx.p.vendors.find((v) => v.family === fam);
  if (spec === undefined) return undefined;
  let present = false;
  for (const h of spec.headers) if (ctx.get(h) !== undefined) present = true;
  if (!present) return undefined;
  if (spec.boundTo !== undefined) {
    const ov = scanAddress(outer, 0, outer.length);
    if (ov === 0 || !matchRanges(spec.boundTo, ov, scanned)) {
      ctx.warn({
        code: WarningCodes.UNTRUSTED_FORWARDED,
        header: spec.headers[0],
        value: spec.headers.join(', '),
        message: `${fam} headers arrived, but the outermost trusted proxy ${outer} is not in the ${fam} ranges: ignored`,
      });
      return undefined;
    }
  }
  return vendorFacts(fam, ctx, hop);
}

/** Merge `b` into `a` where `a` has nothing; report disagreements. */
function merge(a: Facts, b: Facts, family: string, ctx: Ctx): void {
  if (b.scheme !== undefined) {
    if (a.scheme === undefined) {
      a.scheme = b.scheme;
      a.schemeFrom = b.schemeFrom;
      a.schemeHop = b.schemeHop;
    } else if (a.scheme !== b.scheme) conflict(ctx, 'scheme', a.scheme, b.scheme, family);
  }
  if (b.clientIp !== undefined) {
    if (a.clientIp === undefined) {
      a.clientIp = b.clientIp;
      a.clientPort = b.clientPort;
      a.clientFrom = b.clientFrom;
      a.clientHop = b.clientHop;
    } else if (a.clientIp !== b.clientIp)
      conflict(ctx, 'client IP', a.clientIp, b.clientIp, family);
  }
  // A port reported next to a scheme belongs to that scheme (symmetry): an X-Forwarded-Port
  // from a family whose scheme lost is dropped, so https never pairs with the http port.
  const schemeAgrees = b.scheme === undefined || a.scheme === undefined || a.scheme === b.scheme;
  const portUsable = b.port !== undefined && (schemeAgrees || b.portFrom === b.hostFrom);
  if (b.host !== undefined) {
    if (a.host === undefined) {
      a.host = b.host;
      a.hostFrom = b.hostFrom;
      a.hostHop = b.hostHop;
      if (portUsable) {
        a.port = b.port;
        a.portFrom = b.portFrom;
        a.portHop = b.portHop;
      }
    } else if (a.host.hostname !== b.host.hostname) {
      conflict(ctx, 'host', a.host.hostname, b.host.hostname, family);
    }
  } else if (portUsable && a.port === undefined && a.host === undefined) {
    a.port = b.port;
    a.portFrom = b.portFrom;
    a.portHop = b.portHop;
  }
  if (b.prefix !== undefined && a.prefix === undefined) a.prefix = b.prefix;
  if (
    b.clientIdentifier !== undefined &&
    a.clientIdentifier === undefined &&
    a.clientIp === undefined
  ) {
    a.clientIdentifier = b.clientIdentifier;
  }
}

function conflict(ctx: Ctx, what: string, kept: string, other: string, family: string): void {
  ctx.warn({
    code: WarningCodes.FAMILY_CONFLICT,
    value: clip(other),
    message: `the ${family} headers say ${what} "${clip(other)}", an earlier family says "${clip(kept)}"; the earlier one is kept (policy headers order)`,
  });
}

/** Constant-time string comparison (length leaks, content does not). */
function safeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0);
  return diff === 0;
}

function secretOk(ctx: Ctx): boolean {
  const p = ctx.p;
  if (p.secretHeader === undefined) return true;
  const v = ctx.get(p.secretHeader);
  let ok = false;
  if (typeof v === 'string') {
    for (const s of p.secretValues) if (safeEqual(v, s)) ok = true;
  }
  if (!ok) {
    ctx.warn({
      code: WarningCodes.SHARED_SECRET_MISMATCH,
      header: p.secretHeader,
      message: `${p.secretHeader} is ${v === undefined ? 'missing' : 'wrong'}: the request did not come through the edge, so forwarded headers are not believed`,
    });
  }
  return ok;
}

function spoofCheck(ctx: Ctx, peer: string, why: string): void {
  const seen: string[] = [];
  for (const name of ctx.p.allForwarded) {
    if (ctx.get(name) !== undefined) seen.push(name);
  }
  if (seen.length > 0) {
    ctx.warn({
      code: WarningCodes.UNTRUSTED_FORWARDED,
      header: seen[0],
      value: seen.join(', '),
      message: `forwarded headers (${seen.join(', ')}) from ${peer}, which ${why}: ignored. If ${peer} is your proxy, add it to trustedProxies`,
    });
  }
}

function connectionCheck(ctx: Ctx): void {
  const c = ctx.get('connection');
  if (c === undefined) return;
  const text = joinLines(c).toLowerCase();
  if (!mayNameForwarded(text)) return;
  const named = splitList(text, 32).values.filter((n) => ctx.p.allForwarded.includes(n));
  if (named.length > 0) {
    ctx.warn({
      code: WarningCodes.CONNECTION_NAMES_FORWARDED,
      header: 'connection',
      value: clip(named.join(', ')),
      message: `the Connection header names ${named.join(', ')}: a client trying to make a proxy strip them (hop-by-hop stripping)`,
    });
  }
}

function readHostHeader(ctx: Ctx): ParsedHost | undefined {
  const lines = ctx.get('host') ?? ctx.get(':authority');
  if (lines === undefined || typeof lines !== 'string') {
    ctx.warn({
      code: WarningCodes.HOST_MISSING,
      header: 'host',
      value: lines === undefined ? undefined : clip(joinLines(lines)),
      message:
        lines === undefined
          ? 'the request has no Host header'
          : `the request has ${lines.length} Host lines; refused as ambiguous`,
    });
    return undefined;
  }
  const h = parseHostCached(ctx.p, lines);
  if (!h) {
    ctx.warn({
      code: WarningCodes.HOST_MISSING,
      header: 'host',
      value: clip(lines),
      message: `the Host header "${clip(lines)}" is not a valid host`,
    });
  }
  return h;
}

class ResolvedView implements View {
  #hops: readonly Hop[] | undefined;
  #sources: View['sources'] | undefined;
  constructor(
    readonly scheme: 'http' | 'https',
    readonly host: string | undefined,
    readonly hostname: string | undefined,
    readonly port: number,
    readonly clientIp: string,
    readonly clientPort: number | undefined,
    readonly clientIdentifier: string | undefined,
    readonly prefix: string | undefined,
    readonly peer: string,
    readonly peerTrusted: boolean,
    readonly hostAllowed: boolean | undefined,
    readonly chain: 'forwarded' | 'x-forwarded' | undefined,
    readonly warnings: readonly Warning[],
    /** The walk's facts; undefined when the fast path answered (recomputed when needed). */
    private facts: Facts | undefined,
    private portSource: string | undefined,
    private readonly policy: Policy,
    private readonly req: RequestFacts,
  ) {}
  get secure(): boolean {
    return this.scheme === 'https';
  }
  /** Computed on first access by walking the chain again, recording each hop. */
  get hops(): readonly Hop[] {
    if (this.#hops === undefined) {
      const rec: Hop[] = [];
      run(this.policy, this.req, rec);
      this.#hops = rec;
    }
    return this.#hops;
  }
  get sources(): View['sources'] {
    if (this.#sources === undefined) {
      if (this.facts === undefined) {
        const again = run(this.policy, this.req, null);
        this.facts = again.facts;
        this.portSource = again.portSource;
      }
      const f = this.facts!;
      this.#sources = {
        scheme: f.schemeFrom ? { from: f.schemeFrom, hop: f.schemeHop } : SOCKET,
        host: f.hostFrom && f.host ? { from: f.hostFrom, hop: f.hostHop } : HOST_HEADER,
        port:
          this.portSource === 'forwarded' && f.portFrom
            ? { from: f.portFrom, hop: f.portHop }
            : this.portSource === 'host'
              ? HOST_HEADER
              : this.scheme === 'https'
                ? DEFAULT_HTTPS
                : DEFAULT_HTTP,
        clientIp: f.clientFrom ? { from: f.clientFrom, hop: f.clientHop } : SOCKET,
      };
    }
    return this.#sources;
  }
  toJSON(): object {
    return {
      scheme: this.scheme,
      secure: this.secure,
      host: this.host,
      hostname: this.hostname,
      port: this.port,
      clientIp: this.clientIp,
      clientPort: this.clientPort,
      clientIdentifier: this.clientIdentifier,
      prefix: this.prefix,
      peer: this.peer,
      peerTrusted: this.peerTrusted,
      hostAllowed: this.hostAllowed,
      chain: this.chain,
      hops: this.hops,
      sources: this.sources,
      warnings: this.warnings,
    };
  }
}

/**
 * Resolve one request against a compiled policy. Pure, never throws, bounded work.
 * See the module comment and docs/resolution.md for the exact rules. `view.hops` and
 * `view.sources` are computed on first access (the trace path), so the request path pays
 * only for scheme, host, port and client IP.
 */
export function resolve(policy: Policy, req: RequestFacts): View {
  return fastPath(policy, req) ?? run(policy, req, null);
}

/** A Connection header that names no forwarded header (so the general path would not warn). */
function quietConnection(c: Lines): boolean {
  if (typeof c !== 'string') return false;
  if (c === 'keep-alive' || c === 'close' || c === 'Keep-Alive' || c === 'upgrade') return true;
  return !mayNameForwarded(c);
}

/** Could this Connection value name a forwarded header? The one pre-filter both paths use. */
function mayNameForwarded(text: string): boolean {
  return /forward|real-ip|client-ip/i.test(text);
}

/** The general path only (tests compare it with {@link resolve}). @internal */
export function resolveGeneral(policy: Policy, req: RequestFacts): View {
  return run(policy, req, null);
}

/** The fast path only: undefined when it does not apply (tests check where it does). @internal */
export function resolveFast(policy: Policy, req: RequestFacts): View | undefined {
  return fastPath(policy, req);
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
 * False (take the general path) when one of them is on several lines, when Forwarded,
 * X-Forwarded-Port or X-Forwarded-Prefix is present, or when an entry is not a string.
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
      case 9:
        if (named(name, 0x66, 'Forwarded', 'forwarded')) return false;
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
        } else if (named(name, 0x78, 'X-Forwarded-Port', 'x-forwarded-port')) return false;
        break;
      case 17:
        if (named(name, 0x78, 'X-Forwarded-Proto', 'x-forwarded-proto')) {
          if (raw.xfp !== 0) return false;
          raw.xfp = i + 1;
        }
        break;
      case 18:
        if (named(name, 0x78, 'X-Forwarded-Prefix', 'x-forwarded-prefix')) return false;
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
 * The common case, answered without the general machinery: a plain header object, an
 * address-only trust list, the default families, a single-line X-Forwarded-For of plain
 * addresses, at most one exact `http`/`https` X-Forwarded-Proto and one valid
 * X-Forwarded-Host, and nothing that would produce a warning. Anything else (including
 * every case that warns) returns undefined and takes the general path, which gives the
 * same answer; a property test holds the two equal.
 */
function fastPath(policy: Policy, req: RequestFacts): ResolvedView | undefined {
  const p = policy._;
  const cache = p.trustCache;
  if (cache === undefined || !p.fastPathOk) return undefined;
  const input = req?.headers;
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
    if (raw.xff !== 0) xff = lines[raw.xff];
    if (raw.xfp !== 0) xfp = lines[raw.xfp];
    if (raw.xfh !== 0) xfh = lines[raw.xfh];
    if (raw.conn !== 0) conn = lines[raw.conn];
    if (raw.host !== 0) host = lines[raw.host];
  } else if (typeof (input as HeadersLike).get === 'function') return undefined;
  else {
    const rec = input as HeaderRecord;
    if (
      rec.forwarded !== undefined ||
      rec['x-forwarded-port'] !== undefined ||
      rec['x-forwarded-prefix'] !== undefined
    ) {
      return undefined;
    }
    xff = rec['x-forwarded-for'];
    xfp = rec['x-forwarded-proto'];
    xfh = rec['x-forwarded-host'];
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

function run(policy: Policy, req: RequestFacts, rec: Hop[] | null): ResolvedView {
  const p = policy._;
  const ctx = new Ctx(p, req?.headers ?? {});
  const rawPeer = typeof req?.peer === 'string' ? req.peer : '';
  const cache = p.trustCache;
  const cached = cache !== undefined && inTrustCache(cache, rawPeer, 0, rawPeer.length);
  const pv = cached ? 0 : scanAddress(rawPeer, 0, rawPeer.length);
  // Match before anything else reuses the scratch words.
  let peerTrusted = cached || (pv !== 0 && (p.hopCount > 0 || matchRanges(p.ranges, pv, scanned)));
  const peer = pv === 0 ? rawPeer : scannedPort[1] === 1 ? rawPeer : wordsText(pv, scanned);
  if (!peerTrusted && pv !== 0 && p.fns.length > 0) peerTrusted = isTrustedText(p, peer, 0);
  else if (peerTrusted && !cached && cache !== undefined) addToTrustCache(cache, peer);
  if (!peerTrusted && p.trustVerifiedPeers && req?.peerVerified === true) peerTrusted = true;
  const socketScheme: 'http' | 'https' = req?.encrypted === true ? 'https' : 'http';

  let facts: Facts;
  let chainFamily: 'forwarded' | 'x-forwarded' | undefined;
  if (peerTrusted && !secretOk(ctx)) peerTrusted = false;
  if (!peerTrusted) {
    spoofCheck(
      ctx,
      peer || '(no address)',
      p.secretHeader !== undefined && (cached || (pv !== 0 && isTrustedText(p, peer, 0)))
        ? 'lacks the shared secret'
        : 'is not a trusted proxy',
    );
    facts = emptyFacts();
    rec?.push({ index: 0, address: peer, trusted: false });
  } else {
    connectionCheck(ctx);
    // Pass 1: walk the chains. The first one present (in policy order) gives the hops and
    // the outermost trusted proxy, which vendor families are judged against.
    const families = policy.families;
    let fwd: Facts | undefined;
    let xfwd: Facts | undefined;
    let outer = peer;
    let vendorHop = 0;
    for (let k = 0; k < families.length; k++) {
      const fam = families[k]!;
      if (fam !== 'forwarded' && fam !== 'x-forwarded') continue;
      const chain =
        fam === 'forwarded'
          ? forwardedChain(ctx.get('forwarded'), p.maxHops)
          : xForwardedChain(
              ctx.get('x-forwarded-for'),
              ctx.lines('x-forwarded-proto'),
              ctx.lines('x-forwarded-host'),
              ctx.lines('x-forwarded-port'),
              ctx.lines('x-forwarded-prefix'),
              p.maxHops,
              ctx,
              p.trustCache,
            );
      if (chain === undefined) continue;
      const r = walk(chain, peer, ctx, chainFamily === undefined ? rec : null);
      if (chainFamily === undefined) {
        chainFamily = fam;
        outer = r.outer;
        vendorHop = r.clientHop < 0 ? 0 : r.clientHop;
      }
      if (fam === 'forwarded') fwd = r;
      else xfwd = r;
    }
    // Pass 2: combine every family's answers in policy order; the first to give a field wins.
    let combined: Facts | undefined;
    for (let k = 0; k < families.length; k++) {
      const fam = families[k]!;
      let r: Facts | undefined;
      if (fam === 'forwarded') r = fwd;
      else if (fam === 'x-forwarded') r = xfwd;
      else r = vendorFamilyFacts(fam, ctx, outer, vendorHop);
      if (r === undefined) continue;
      if (combined === undefined) combined = r;
      else merge(combined, r, fam, ctx);
    }
    facts = combined ?? emptyFacts();
    if (rec !== null && rec.length === 0) rec.push({ index: 0, address: peer, trusted: true });
  }

  const scheme = facts.scheme ?? socketScheme;
  // The Host header is read only when no forwarded host won.
  const socketHost = facts.host === undefined ? readHostHeader(ctx) : undefined;
  const hostP = facts.host ?? socketHost;
  let port: number;
  let portSource: string;
  if (facts.port !== undefined) {
    port = facts.port;
    portSource = 'forwarded';
  } else if (socketHost?.port !== undefined) {
    port = socketHost.port;
    portSource = 'host';
  } else {
    port = scheme === 'https' ? 443 : 80;
    portSource = 'default';
  }
  const hostname = hostP?.hostname;
  const host = hostname === undefined ? undefined : formatHost(hostname, port, scheme);
  let hostAllowed: boolean | undefined;
  if (policy.allowedHosts !== undefined) {
    hostAllowed = hostname !== undefined && policy.allowedHosts(hostname);
    if (!hostAllowed && hostname !== undefined) {
      const from = facts.host !== undefined ? facts.hostFrom! : 'host';
      ctx.warn({
        code: WarningCodes.HOST_NOT_ALLOWED,
        header: from,
        value: clip(hostname),
        message: `host "${clip(hostname)}" (from ${from}) is not in allowedHosts`,
      });
    }
  }
  return new ResolvedView(
    scheme,
    host,
    hostname,
    port,
    facts.clientIp ?? peer,
    facts.clientPort,
    facts.clientIdentifier,
    facts.prefix,
    peer,
    peerTrusted,
    hostAllowed,
    chainFamily,
    ctx.warnings ?? NO_WARNINGS,
    facts,
    portSource,
    policy,
    req,
  );
}
