/**
 * Resolution: from a request's socket facts and headers, and a compiled policy, to the
 * client's real scheme, host, port and IP, with the hops walked and the warnings.
 *
 * The rules (the trust contract, DESIGN.md; docs/resolution.md says the same for users):
 * 1. The socket peer comes first. If it is not trusted (or the shared secret is missing),
 *    or the server dropped header lines (`headersTruncated`), no forwarded header is
 *    believed: the view is the socket's own facts, and forwarded headers that arrived
 *    anyway are reported (UNTRUSTED_FORWARDED, HEADERS_TRUNCATED).
 * 2. Only the headers the policy names are read. Each believed source describes one hop:
 *    X-Forwarded-For's entries and Forwarded's elements, right-aligned (entry 0 is what the
 *    socket peer wrote); X-Forwarded-Proto/-Host/-Port/-Prefix aligned with X-Forwarded-For
 *    (one value = entry 0); X-Real-IP and the one-value scheme headers (X-Forwarded-Ssl,
 *    Front-End-Https, X-Forwarded-Protocol, X-Url-Scheme) = entry 0, what the nearest
 *    proxy wrote; edge headers (CF-*, CloudFront-*, True-Client-IP, Fly-Client-IP) = the
 *    entry of the outermost trusted proxy, which must be in the preset's ranges when the
 *    header came with a preset that publishes them.
 * 3. The walk goes right to left: entry i names hop i's client, the next hop; it goes on
 *    while that hop is trusted, and stops at the first untrusted address (the client), at
 *    a malformed entry, at `unknown`, or at the cap.
 * 4. Scheme, host, port and prefix come from the entry of the client's hop, else the
 *    nearest inner entry that reported them (symmetry); a port is never taken from an entry
 *    nearer the server than the one that gave the scheme.
 * 5. Two believed sources that describe the same hop and disagree are a conflict
 *    (SAME_HOP_CONFLICT): when that hop is the one a field is taken from, the field fails
 *    closed (scheme from the socket, host from the Host header, port the connection's, the
 *    client unknown). No order of precedence picks a winner.
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
import { type ChainCursor, snapshot, type WarningSink } from './chain.js';
import { fastPath } from './fast-path.js';
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
} from './headers.js';
import { formatHost, type ParsedHost } from './host.js';
import { isTrustedText, type Policy, type PolicyInternals } from './policy.js';
import {
  parseCfVisitor,
  parseOnOff,
  parseSchemeToken,
  splitCloudFrontViewerAddress,
  splitList,
} from './vendor.js';
import {
  emptyFacts,
  type Facts,
  type Hop,
  NO_WARNINGS,
  parseHostCached,
  type RequestFacts,
  ResolvedView,
  setTracer,
  type View,
} from './view.js';
import { clip, type Warning, WarningCodes } from './warnings.js';
import { xForwardedChain } from './x-forwarded.js';

export type { FieldSource, Hop, RequestFacts, View } from './view.js';

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

/**
 * What the believed sources say about one hop, gathered before it is committed: for each
 * field the first value, the header it came from, and whether another source disagreed.
 */
class Entry {
  /** Client: 0 none, 1 an address (`cText` canonical, or pending in a cursor), 2 hidden. */
  cKind: 0 | 1 | 2 = 0;
  cText = '';
  cPort = -1;
  cFrom = '';
  cTrusted = false;
  /** The cursor whose current client is the entry's (its text read only when needed). */
  cCursor: ChainCursor | undefined = undefined;
  cConflict = false;
  scheme: 'http' | 'https' | undefined = undefined;
  schemeFrom = '';
  schemeConflict = false;
  host: ParsedHost | undefined = undefined;
  hostFrom = '';
  hostConflict = false;
  port: number | undefined = undefined;
  portFrom = '';
  portConflict = false;
  prefix: string | undefined = undefined;
  /** The first malformed source of this hop: why, which header, its raw text. */
  bad: string | undefined = undefined;
  badFrom = '';
  badRaw = '';
  /** Record a malformed source; the first one found is the one reported. */
  markBad(why: string, from: string, raw: string): void {
    if (this.bad !== undefined) return;
    this.bad = why;
    this.badFrom = from;
    this.badRaw = raw;
  }
  reset(): void {
    this.bad = undefined;
    this.cKind = 0;
    this.cText = '';
    this.cPort = -1;
    this.cFrom = '';
    this.cTrusted = false;
    this.cCursor = undefined;
    this.cConflict = false;
    this.scheme = undefined;
    this.schemeConflict = false;
    this.host = undefined;
    this.hostConflict = false;
    this.port = undefined;
    this.portConflict = false;
    this.prefix = undefined;
  }
}

function conflict(
  ctx: Ctx,
  hop: number,
  field: string,
  fromA: string,
  a: string,
  fromB: string,
  b: string,
  outcome: string,
): void {
  ctx.warn({
    code: WarningCodes.SAME_HOP_CONFLICT,
    header: fromB,
    hop,
    value: clip(b),
    message: `${fromA} and ${fromB} describe the same hop (${hop}) and disagree on the ${field}: "${clip(a)}" against "${clip(b)}"; ${outcome}`,
  });
}

function offerScheme(
  e: Entry,
  s: 'http' | 'https' | undefined,
  from: string,
  hop: number,
  ctx: Ctx,
): void {
  if (s === undefined) return;
  if (e.scheme === undefined) {
    if (e.schemeConflict) return;
    e.scheme = s;
    e.schemeFrom = from;
  } else if (e.scheme !== s) {
    conflict(ctx, hop, 'scheme', e.schemeFrom, e.scheme, from, s, 'no value is believed');
    e.scheme = undefined;
    e.schemeConflict = true;
  }
}

function offerHost(e: Entry, h: ParsedHost | undefined, from: string, hop: number, ctx: Ctx): void {
  if (h === undefined) return;
  if (h.port !== undefined) offerPort(e, h.port, from, hop, ctx);
  if (e.host === undefined) {
    if (e.hostConflict) return;
    e.host = h;
    e.hostFrom = from;
  } else if (e.host.hostname !== h.hostname) {
    conflict(
      ctx,
      hop,
      'host',
      e.hostFrom,
      e.host.hostname,
      from,
      h.hostname,
      'no value is believed',
    );
    e.host = undefined;
    e.hostConflict = true;
  }
}

function offerPort(e: Entry, port: number | undefined, from: string, hop: number, ctx: Ctx): void {
  if (port === undefined) return;
  if (e.port === undefined) {
    if (e.portConflict) return;
    e.port = port;
    e.portFrom = from;
  } else if (e.port !== port) {
    conflict(
      ctx,
      hop,
      'port',
      e.portFrom,
      String(e.port),
      from,
      String(port),
      'no value is believed',
    );
    e.port = undefined;
    e.portConflict = true;
  }
}

/** The text of the entry's client (read from its cursor when it was left pending). */
function clientText(e: Entry): string {
  if (e.cCursor !== undefined) {
    e.cText = e.cCursor.clientText;
    e.cCursor = undefined;
  }
  return e.cText;
}

/**
 * Offer a client for the entry. `cursor` (when given) holds the text, read only if another
 * source must be compared with it or the walk needs it.
 */
function offerClient(
  e: Entry,
  kind: 1 | 2,
  text: string,
  cursor: ChainCursor | undefined,
  port: number,
  trusted: boolean,
  from: string,
  hop: number,
  ctx: Ctx,
): void {
  if (e.cConflict) return;
  if (e.cKind === 0) {
    e.cKind = kind;
    e.cText = text;
    e.cCursor = cursor;
    e.cPort = port;
    e.cTrusted = trusted;
    e.cFrom = from;
    return;
  }
  const mine = clientText(e);
  const theirs = cursor !== undefined ? cursor.clientText : text;
  if (e.cKind !== kind || mine !== theirs) {
    conflict(ctx, hop, 'client', e.cFrom, mine, from, theirs, 'the client is unknown');
    e.cConflict = true;
  }
}

/** Is the current client of `chain` (at entry i) a trusted hop? Reads `scanned`: call right after next(). */
function cursorTrusts(p: PolicyInternals, chain: ChainCursor, i: number): boolean {
  if (chain.clientKind !== 1 || i + 1 >= p.maxHops) return false;
  if (chain.clientKnownTrusted) return true;
  const t =
    i + 1 < p.hopCount ||
    matchRanges(p.ranges, chain.clientVersion as 4 | 6, scanned) ||
    (p.fns.length > 0 && isTrustedText(p, chain.clientText, i + 1));
  if (t && p.trustCache !== undefined) addToTrustCache(p.trustCache, chain.clientText);
  return t;
}

/** Commit an entry's fields to the facts: the entry is further out than any before it. */
function commitFields(f: Facts, e: Entry, i: number): void {
  if (e.scheme !== undefined || e.schemeConflict) {
    f.scheme = e.scheme;
    f.schemeFrom = e.scheme !== undefined ? e.schemeFrom : undefined;
    f.schemeHop = i;
  }
  if (e.host !== undefined || e.hostConflict) {
    f.host = e.host;
    f.hostFrom = e.host !== undefined ? e.hostFrom : undefined;
    f.hostHop = i;
  }
  if (e.port !== undefined || e.portConflict) {
    f.port = e.port;
    f.portFrom = e.port !== undefined ? e.portFrom : undefined;
    f.portHop = i;
  }
  if (e.prefix !== undefined) f.prefix = e.prefix;
}

/** A one-value header: its value, undefined when absent, null when present but unusable. */
function singleValue(ctx: Ctx, name: string): string | null | undefined {
  if (ctx.get(name) === undefined) return undefined;
  return single(ctx, name) ?? null;
}

/** A one-value scheme header of hop 0 (X-Forwarded-Ssl, X-Url-Scheme, ...), offered to `e`. */
function offerHop0Scheme(e: Entry, name: string, ctx: Ctx): void {
  const v = single(ctx, name);
  if (v === undefined) return;
  const s =
    name === 'x-forwarded-ssl' || name === 'front-end-https' ? parseOnOff(v) : parseSchemeToken(v);
  if (s === 'http' || s === 'https') offerScheme(e, s, name, 0, ctx);
  else badScheme(ctx, name, 0, v, s);
}

function badScheme(ctx: Ctx, name: string, hop: number, v: string, s: string | undefined): void {
  ctx.warn({
    code: s === undefined ? WarningCodes.MALFORMED_ENTRY : WarningCodes.UNKNOWN_SCHEME,
    header: name,
    hop,
    value: clip(v),
    message: `${name} "${clip(v)}" does not name http or https; ignored`,
  });
}

function malformedClient(ctx: Ctx, name: string, hop: number, v: string, what: string): void {
  ctx.warn({
    code: WarningCodes.MALFORMED_ENTRY,
    header: name,
    hop,
    value: clip(v),
    message: `${name} "${clip(v)}" is not ${what}; the client is unknown`,
  });
}

/**
 * Step a list chain (X-Forwarded-For or Forwarded) to hop `i` and offer its entry to `e`:
 * a malformed entry is recorded, a client address or hidden identifier is offered. False
 * when the chain has no entry for this hop.
 */
function readListEntry(
  e: Entry,
  c: ChainCursor,
  name: 'x-forwarded-for' | 'forwarded',
  p: PolicyInternals,
  i: number,
  ctx: Ctx,
): boolean {
  if (!c.next()) return false;
  if (c.malformed !== undefined) e.markBad(c.malformed, name, c.raw());
  else if (c.clientKind === 1) {
    offerClient(e, 1, '', c, c.clientPort, cursorTrusts(p, c, i), name, i, ctx);
  } else if (c.clientKind === 2) {
    offerClient(e, 2, c.clientText, undefined, -1, false, name, i, ctx);
  }
  return true;
}

/** What the walk found: the facts, the chain walked, the last entry read and its hop's address. */
interface WalkResult {
  f: Facts;
  chain: 'forwarded' | 'x-forwarded' | undefined;
}

/**
 * Walk the believed chains right to left from a trusted peer. When `rec` is given, the hops
 * are recorded into it (the trace path); the request path passes null.
 */
function walk(ctx: Ctx, peer: string, rec: Hop[] | null): WalkResult {
  const p = ctx.p;
  const f = emptyFacts();
  const xf =
    p.xff || p.xfp || p.xfh || p.xfport || p.xfprefix
      ? xForwardedChain(
          p.xff ? ctx.get('x-forwarded-for') : undefined,
          p.xfp ? ctx.lines('x-forwarded-proto') : undefined,
          p.xfh ? ctx.lines('x-forwarded-host') : undefined,
          p.xfport ? ctx.lines('x-forwarded-port') : undefined,
          p.xfprefix ? ctx.lines('x-forwarded-prefix') : undefined,
          p.maxHops,
          ctx,
          p.trustCache,
        )
      : undefined;
  const fw = p.fwd ? forwardedChain(ctx.get('forwarded'), p.maxHops) : undefined;
  let chain: 'forwarded' | 'x-forwarded' | undefined;
  const needText = rec !== null || p.edges.length > 0;
  const e = new Entry();
  let address = peer;
  let outer = peer;
  let last = 0;
  let broken = false;
  /** The cursor holding the client's text when it was left pending (single source). */
  let pending: ChainCursor | undefined;
  for (let i = 0; ; i++) {
    e.reset();
    const hasX = xf !== undefined && readListEntry(e, xf, 'x-forwarded-for', p, i, ctx);
    const hasF = fw !== undefined && readListEntry(e, fw, 'forwarded', p, i, ctx);
    let any = hasX || hasF;
    if (i === 0) {
      if (p.realIp) {
        const v = singleValue(ctx, 'x-real-ip');
        if (v !== undefined) {
          any = true;
          const a = v === null ? undefined : parseAddressWithPort(v);
          if (a === undefined) {
            if (v !== null) malformedClient(ctx, 'x-real-ip', 0, v, 'an IP address');
            e.markBad('not one IP address', 'x-real-ip', v ?? '');
          } else {
            offerClient(
              e,
              1,
              a.ip,
              undefined,
              a.port ?? -1,
              isTrustedText(p, a.ip, 1) && p.maxHops > 1,
              'x-real-ip',
              0,
              ctx,
            );
          }
        }
      }
      for (const h of p.hop0Schemes) {
        if (ctx.get(h) !== undefined) {
          any = true;
          if (e.bad === undefined) offerHop0Scheme(e, h, ctx);
        }
      }
    }
    if (!any) {
      rec?.push({ index: i, address, trusted: true });
      const cut = xf?.truncated === true ? xf : fw?.truncated === true ? fw : undefined;
      if (cut !== undefined) {
        const h = cut === xf ? 'x-forwarded-for' : 'forwarded';
        ctx.warn({
          code: WarningCodes.LIMIT_EXCEEDED,
          header: h,
          hop: i,
          message: `${h} has more than ${p.maxHops} entries and every walked hop is trusted; the walk stopped at the cap`,
        });
      }
      break;
    }
    if (chain === undefined) chain = hasX ? 'x-forwarded' : hasF ? 'forwarded' : undefined;
    if (rec !== null) {
      const src = hasX ? xf : hasF ? fw : undefined;
      rec.push(
        src !== undefined
          ? { index: i, address, trusted: true, entry: snapshot(src) }
          : { index: i, address, trusted: true },
      );
    }
    if (e.bad !== undefined) {
      if (e.badFrom !== 'x-real-ip') {
        ctx.warn({
          code: WarningCodes.MALFORMED_ENTRY,
          header: e.badFrom,
          hop: i,
          value: e.badRaw,
          message: `${e.badFrom} entry ${i} from the right ("${e.badRaw}") is malformed (${e.bad}); the walk stops before it and the client is unknown`,
        });
      }
      f.clientUnknown = true;
      f.clientFrom = e.badFrom;
      f.clientHop = i;
      broken = true;
      break;
    }
    // The entry's fields, each validated now that its hop is known to be trusted.
    last = i;
    outer = address;
    if (hasX) {
      if (xf.proto !== undefined)
        offerScheme(
          e,
          schemeOf(xf.proto, 'x-forwarded-proto', i, ctx),
          'x-forwarded-proto',
          i,
          ctx,
        );
      if (xf.host !== undefined)
        offerHost(e, hostOf(xf.host, 'x-forwarded-host', i, ctx), 'x-forwarded-host', i, ctx);
      if (xf.port !== undefined)
        offerPort(e, portOf(xf.port, 'x-forwarded-port', i, ctx), 'x-forwarded-port', i, ctx);
      if (xf.prefix !== undefined) e.prefix = prefixOf(xf.prefix, i, ctx);
    }
    if (hasF) {
      if (fw.proto !== undefined)
        offerScheme(e, schemeOf(fw.proto, 'forwarded', i, ctx), 'forwarded', i, ctx);
      if (fw.host !== undefined)
        offerHost(e, hostOf(fw.host, 'forwarded', i, ctx), 'forwarded', i, ctx);
    }
    commitFields(f, e, i);
    // The entry's client: the next hop.
    if (e.cConflict) {
      f.clientUnknown = true;
      f.clientFrom = 'unknown';
      f.clientHop = i;
      break;
    }
    if (e.cKind === 0) break; // no client named: this hop is as far as anyone can tell
    if (e.cKind === 2) {
      f.clientIdentifier = e.cText;
      f.clientUnknown = true;
      f.clientFrom = e.cFrom;
      f.clientHop = i;
      ctx.warn({
        code: WarningCodes.CLIENT_UNKNOWN,
        header: e.cFrom,
        hop: i,
        value: e.cText,
        message: `hop ${i} reports its client as "${e.cText}"; the client address is unknown`,
      });
      break;
    }
    pending = e.cCursor;
    f.clientIp = pending !== undefined ? PENDING : e.cText;
    f.clientPort = e.cPort < 0 ? undefined : e.cPort;
    f.clientFrom = e.cFrom;
    f.clientHop = i;
    if (needText) address = clientText(e);
    if (i + 1 >= p.maxHops) {
      rec?.push({ index: i + 1, address, trusted: false });
      ctx.warn({
        code: WarningCodes.LIMIT_EXCEEDED,
        header: e.cFrom,
        hop: i + 1,
        message: `the walk reached the cap of ${p.maxHops} hops; it stops there`,
      });
      break;
    }
    if (!e.cTrusted) {
      rec?.push({ index: i + 1, address, trusted: false });
      break;
    }
  }
  if (f.clientIp === PENDING) f.clientIp = pending!.lastClientText();
  if (!broken && p.edges.length > 0) edgeFacts(ctx, f, e, last, outer);
  return { f, chain };
}

/** Marks a client IP whose text is read from the cursor when the walk ends. */
const PENDING = '\u0000pending';

/**
 * Edge headers (CF-*, CloudFront-*, True-Client-IP, Fly-Client-IP) describe the client of
 * the outermost trusted proxy: hop `last`, at `outer`. They join that entry's sources, so a
 * disagreement with X-Forwarded-For's entry for the same hop is a conflict.
 */
function edgeFacts(ctx: Ctx, f: Facts, e: Entry, last: number, outer: string): void {
  const p = ctx.p;
  e.reset();
  // Seed the entry with what the walk committed for this hop.
  if (f.schemeHop === last) {
    if (f.scheme !== undefined) {
      e.scheme = f.scheme;
      e.schemeFrom = f.schemeFrom!;
    } else e.schemeConflict = true;
  }
  const clientHere = f.clientHop === last && f.clientIp !== undefined;
  if (clientHere) {
    e.cKind = 1;
    e.cText = f.clientIp!;
    e.cFrom = f.clientFrom!;
  } else if (f.clientUnknown) e.cConflict = true; // stays unknown
  let offered = false;
  let clientOffered = false;
  let untrusted: string[] | undefined;
  let boundName = '';
  for (const spec of p.edges) {
    const name = spec.header;
    if (ctx.get(name) === undefined) continue;
    if (spec.boundTo !== undefined) {
      const ov = scanAddress(outer, 0, outer.length);
      if (ov === 0 || !matchRanges(spec.boundTo, ov, scanned)) {
        if (untrusted === undefined) untrusted = [name];
        else untrusted.push(name);
        boundName = spec.boundName!;
        continue;
      }
    }
    offered = true;
    if (name === 'cf-visitor' || name === 'cloudfront-forwarded-proto') {
      const v = single(ctx, name);
      if (v === undefined) continue;
      const s = name === 'cf-visitor' ? parseCfVisitor(v) : parseSchemeToken(v);
      if (s === 'http' || s === 'https') offerScheme(e, s, name, last, ctx);
      else badScheme(ctx, name, last, v, s);
      continue;
    }
    clientOffered = true;
    const v = singleValue(ctx, name);
    let ip: string | undefined;
    let port = -1;
    if (typeof v === 'string') {
      if (name === 'cloudfront-viewer-address') {
        const split = splitCloudFrontViewerAddress(v);
        const a = split ? parseAddressWithPort(split.ip) : undefined;
        if (split && a && a.port === undefined) {
          ip = a.ip;
          port = split.port ?? -1;
        }
      } else {
        const a = parseAddressWithPort(v);
        if (a) {
          ip = a.ip;
          port = a.port ?? -1;
        }
      }
      if (ip === undefined) {
        malformedClient(
          ctx,
          name,
          last,
          v,
          name === 'cloudfront-viewer-address' ? 'IP:port' : 'an IP address',
        );
      }
    }
    if (ip === undefined) {
      e.cConflict = true; // present but unusable: the client cannot be known
      continue;
    }
    offerClient(e, 1, ip, undefined, port, false, name, last, ctx);
  }
  if (untrusted !== undefined) {
    ctx.warn({
      code: WarningCodes.UNTRUSTED_FORWARDED,
      header: untrusted[0],
      value: untrusted.join(', '),
      message: `${untrusted.join(', ')} arrived, but the outermost trusted proxy ${outer} is not in the ${boundName} ranges: ignored`,
    });
  }
  if (!offered) return;
  if (e.scheme !== undefined && e.schemeFrom !== f.schemeFrom) {
    f.scheme = e.scheme;
    f.schemeFrom = e.schemeFrom;
    f.schemeHop = last;
  } else if (e.schemeConflict && f.schemeHop <= last) {
    f.scheme = undefined;
    f.schemeFrom = undefined;
    f.schemeHop = last;
  }
  if (!clientOffered || f.clientUnknown) return;
  if (e.cConflict) {
    f.clientIp = undefined;
    f.clientUnknown = true;
    f.clientFrom = 'unknown';
    f.clientHop = last;
  } else if (!clientHere) {
    f.clientIp = e.cText;
    f.clientPort = e.cPort < 0 ? undefined : e.cPort;
    f.clientFrom = e.cFrom;
    f.clientHop = last;
  }
}

/**
 * The Connection header names a forwarded header: a client asking a proxy to strip it
 * (hop-by-hop stripping, Traefik CVE-2024-45410). Checked against every forwarded header
 * name, believed or not, token by token.
 */
function connectionCheck(ctx: Ctx): void {
  const c = ctx.get('connection');
  if (c === undefined) return;
  const tokens = splitList(joinLines(c).toLowerCase(), 32).values;
  const named = tokens.filter((n) => ctx.p.allForwarded.includes(n));
  if (named.length > 0) {
    ctx.warn({
      code: WarningCodes.CONNECTION_NAMES_FORWARDED,
      header: 'connection',
      value: clip(named.join(', ')),
      message: `the Connection header names ${named.join(', ')}: a client trying to make a proxy strip them (hop-by-hop stripping)`,
    });
  }
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
  let chain: 'forwarded' | 'x-forwarded' | undefined;
  if (peerTrusted && !secretOk(ctx)) peerTrusted = false;
  const truncated = req?.headersTruncated === true;
  if (truncated) {
    ctx.warn({
      code: WarningCodes.HEADERS_TRUNCATED,
      message:
        "the request reached the server's cap on header lines, so lines a proxy appended may have been dropped: no forwarded header is believed",
    });
  }
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
  } else if (truncated) {
    // The peer is a trusted proxy, so the client is beyond it: unknown, never the proxy.
    facts = emptyFacts();
    facts.clientUnknown = true;
    rec?.push({ index: 0, address: peer, trusted: true });
  } else {
    connectionCheck(ctx);
    const w = walk(ctx, peer, rec);
    facts = w.f;
    chain = w.chain;
    if (rec !== null && rec.length === 0) rec.push({ index: 0, address: peer, trusted: true });
  }

  const scheme = facts.scheme ?? socketScheme;
  // The Host header is read only when no forwarded host was believed.
  const socketHost = facts.host === undefined ? readHostHeader(ctx) : undefined;
  const hostP = facts.host ?? socketHost;
  // A forwarded port is used only when the host did not fail closed and it was reported no
  // nearer the server than the scheme (a port belongs to the scheme of its own hop).
  const hostFailed = facts.host === undefined && facts.hostHop >= 0;
  let port: number;
  let portSource: string;
  if (facts.port !== undefined && !hostFailed && facts.portHop >= facts.schemeHop) {
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
    facts.clientUnknown ? undefined : (facts.clientIp ?? peer),
    facts.clientUnknown ? undefined : facts.clientPort,
    facts.clientIdentifier,
    facts.prefix,
    peer,
    peerTrusted,
    hostAllowed,
    chain,
    ctx.warnings ?? NO_WARNINGS,
    facts,
    portSource,
    policy,
    req,
  );
}

setTracer(run);

/**
 * Resolve one request against a compiled policy. Pure, never throws, bounded work.
 * See the module comment and docs/resolution.md for the exact rules. `view.hops` and
 * `view.sources` are computed on first access (the trace path), so the request path pays
 * only for scheme, host, port and client IP.
 */
export function resolve(policy: Policy, req: RequestFacts): View {
  return fastPath(policy, req) ?? run(policy, req, null);
}

/** The general path only (tests compare it with {@link resolve}). @internal */
export function resolveGeneral(policy: Policy, req: RequestFacts): View {
  return run(policy, req, null);
}

/** The fast path only: undefined when it does not apply (tests check where it does). @internal */
export function resolveFast(policy: Policy, req: RequestFacts): View | undefined {
  return fastPath(policy, req);
}
