/**
 * How the X-Forwarded-* family becomes a chain.
 *
 * `X-Forwarded-For` lists the clients, one per hop, appended left to right; the rightmost
 * entry was written by the socket peer. The other headers (`-Proto`, `-Host`, `-Port`,
 * `-Prefix`) are aligned with it FROM THE RIGHT, because the right end is what trusted
 * proxies wrote and the left end is what the client may have prepended:
 *
 * | values in the header (L), X-Forwarded-For entries (N) | meaning | used as |
 * | --- | --- | --- |
 * | L = 0 | not sent | nothing |
 * | L = 1 | set once, by the nearest proxy that overwrites it | hop 0's value |
 * | L = N (> 1) | one per hop, appended | entry i = value i from the right |
 * | L > N, all values equal | the header was set twice (an nginx snippet on top of a default) | hop 0's value, warned DUPLICATED_VALUES |
 * | L > N, values differ | no hop accounts for the extra values: contradictory | ignored (fail closed), warned CONTRADICTORY_VALUES |
 * | 1 < L < N | some hops appended and some did not: alignment unknown | ignored (fail closed), warned LIST_LENGTH_MISMATCH |
 *
 * X-Forwarded-For entries are addresses with an optional port (`203.0.113.7`,
 * `203.0.113.7:4711`, `2001:db8::7`, `[2001:db8::7]:4711`) or `unknown`; anything else is
 * malformed and stops the walk. Values are validated by the resolver only when the walk
 * reaches their hop.
 */
import {
  inTrustCache,
  scanAddress,
  scanned,
  scannedPort,
  type TrustCache,
  wordsText,
} from './address.js';
import type { ChainCursor, ClientKind, WarningSink } from './chain.js';
import { joinLines, type Lines, lineCount } from './headers.js';
import { skipOws, sliceTrimmed, trimOwsEnd } from './ows.js';
import { splitList } from './vendor.js';
import { clip, WarningCodes } from './warnings.js';

type AttrName =
  | 'x-forwarded-proto'
  | 'x-forwarded-host'
  | 'x-forwarded-port'
  | 'x-forwarded-prefix';

/** An attribute header aligned with X-Forwarded-For: index 0 = hop 0; a string = hop 0 only. */
type Aligned = string | readonly string[] | undefined;

/** A one-line value without a comma: the common case, read without splitting. */
function simpleValue(lines: Lines): string | undefined {
  if (typeof lines !== 'string' || lines.indexOf(',') >= 0) return undefined;
  return sliceTrimmed(lines);
}

/** Count the entries of X-Forwarded-For (commas + 1 per line), capped. */
function countEntries(lines: Lines | undefined, max: number): number {
  if (lines === undefined) return 0;
  const list = typeof lines === 'string' ? [lines] : lines;
  let n = 0;
  for (const line of list) {
    n++;
    for (let i = 0; i < line.length; i++) if (line.charCodeAt(i) === 44) n++;
  }
  return Math.min(n, max);
}

function align(name: AttrName, lines: Lines, n: number, max: number, sink: WarningSink): Aligned {
  const { values } = splitList(lines, max);
  const l = values.length;
  if (l === 0) return undefined;
  // Reverse so index 0 is the nearest hop.
  const rev: string[] = new Array(l);
  for (let i = 0; i < l; i++) rev[i] = values[l - 1 - i]!;
  if (l === 1) return rev[0];
  if (l === n) return rev;
  if (l > n) {
    const first = rev[0]!;
    const lower = first.toLowerCase();
    let same = true;
    for (let i = 1; i < l; i++) {
      if (rev[i]!.toLowerCase() !== lower) {
        same = false;
        break;
      }
    }
    if (same) {
      sink.warn({
        code: WarningCodes.DUPLICATED_VALUES,
        header: name,
        value: clip(joinLines(lines)),
        message: `${name} carries the same value ${l} times (${lineCount(lines)} line(s)) for ${n || 'no'} X-Forwarded-For entr${n === 1 ? 'y' : 'ies'}: a proxy sets it twice; "${clip(first)}" is used. Remove the duplicate proxy_set_header / snippet`,
      });
      return first;
    }
    sink.warn({
      code: WarningCodes.CONTRADICTORY_VALUES,
      header: name,
      value: clip(joinLines(lines)),
      message: `${name} has ${l} differing values for ${n} X-Forwarded-For entr${n === 1 ? 'y' : 'ies'}: no hop accounts for the extra ones, so the header is ignored`,
    });
    return undefined;
  }
  sink.warn({
    code: WarningCodes.LIST_LENGTH_MISMATCH,
    header: name,
    value: clip(joinLines(lines)),
    message: `${name} has ${l} values but X-Forwarded-For has ${n}: the values cannot be matched to hops, so the header is ignored`,
  });
  return undefined;
}

class XForwardedCursor implements ChainCursor {
  readonly family = 'x-forwarded' as const;
  truncated = false;
  malformed: string | undefined = undefined;
  clientKind: ClientKind = 0;
  clientVersion: 0 | 4 | 6 = 0;
  clientPort = -1;
  clientKnownTrusted = false;
  proto: string | undefined = undefined;
  host: string | undefined = undefined;
  port: string | undefined = undefined;
  prefix: string | undefined = undefined;
  private i = -1;
  /** X-Forwarded-For as one string, read right to left from `pos`. */
  private readonly forText: string;
  private pos: number;
  private entryStart = 0;
  private entryEnd = 0;
  private readonly hasFor: boolean;
  private readonly maxEntries: number;
  /** The current entry's text when it is not a plain dotted quad (computed eagerly). */
  private text: string | undefined = undefined;
  /** The last IP entry: its text, or its bounds when it is a plain dotted quad. */
  private lastText: string | undefined = undefined;
  private lastStart = 0;
  private lastEnd = 0;

  constructor(
    forLines: Lines | undefined,
    private readonly aProto: Aligned,
    private readonly aHost: Aligned,
    private readonly aPort: Aligned,
    private readonly aPrefix: Aligned,
    max: number,
    private readonly cache: TrustCache | undefined,
  ) {
    this.hasFor = forLines !== undefined;
    this.forText =
      forLines === undefined ? '' : typeof forLines === 'string' ? forLines : forLines.join(',');
    this.pos = this.forText.length;
    this.maxEntries = max;
  }

  next(): boolean {
    const i = ++this.i;
    this.malformed = undefined;
    this.clientKind = 0;
    this.clientVersion = 0;
    this.clientPort = -1;
    this.clientKnownTrusted = false;
    this.text = undefined;
    if (this.hasFor) {
      if (this.pos < 0) return false;
      if (i >= this.maxEntries) {
        this.truncated = true;
        return false;
      }
      const s = this.forText;
      // Native search for the previous comma (much faster than a JS loop).
      const c = this.pos > 0 ? s.lastIndexOf(',', this.pos - 1) : -1;
      const a = skipOws(s, c + 1, this.pos);
      const b = trimOwsEnd(s, a, this.pos);
      this.pos = c; // -1 when this was the leftmost entry
      this.entryStart = a;
      this.entryEnd = b;
      if (this.cache !== undefined && inTrustCache(this.cache, s, a, b)) {
        // A proxy seen trusted recently: its text is canonical, no need to parse it again.
        this.clientKind = 1;
        this.clientKnownTrusted = true;
        this.lastText = undefined;
        this.lastStart = a;
        this.lastEnd = b;
        this.proto = at(this.aProto, i);
        this.host = at(this.aHost, i);
        this.port = at(this.aPort, i);
        this.prefix = at(this.aPrefix, i);
        return true;
      }
      const v = scanAddress(s, a, b);
      if (v !== 0) {
        this.clientKind = 1;
        this.clientVersion = v;
        const port = scannedPort[0]!;
        this.clientPort = port;
        // A plain dotted quad is already canonical text: sliced only if asked for.
        if (scannedPort[1] === 1) {
          this.lastText = undefined;
          this.lastStart = a;
          this.lastEnd = b;
        } else {
          this.text = wordsText(v, scanned);
          this.lastText = this.text;
        }
      } else if (b - a === 7 && s.slice(a, b).toLowerCase() === 'unknown') {
        this.clientKind = 2;
        this.text = 'unknown';
      } else {
        this.malformed = a === b ? 'empty X-Forwarded-For entry' : 'not an IP address';
        return true;
      }
    } else if (i > 0 || (!this.aProto && !this.aHost && !this.aPort && !this.aPrefix)) {
      return false;
    }
    this.proto = at(this.aProto, i);
    this.host = at(this.aHost, i);
    this.port = at(this.aPort, i);
    this.prefix = at(this.aPrefix, i);
    return true;
  }

  get clientText(): string {
    if (this.text !== undefined) return this.text;
    if (this.clientKind !== 1) return '';
    return this.sliceFor(this.entryStart, this.entryEnd);
  }

  lastClientText(): string {
    return this.lastText ?? this.sliceFor(this.lastStart, this.lastEnd);
  }

  private sliceFor(a: number, b: number): string {
    const s = this.forText;
    return a === 0 && b === s.length ? s : s.slice(a, b);
  }

  raw(): string {
    return clip(this.forText.slice(this.entryStart, this.entryEnd));
  }
}

/** Align one attribute header; the one-value case needs no count of X-Forwarded-For entries. */
function attr(
  name: AttrName,
  lines: Lines | undefined,
  forLines: Lines | undefined,
  max: number,
  sink: WarningSink,
): Aligned {
  if (lines === undefined) return undefined;
  const v = simpleValue(lines);
  if (v !== undefined) return v;
  return align(name, lines, countEntries(forLines, max), max, sink);
}

function at(a: Aligned, i: number): string | undefined {
  if (a === undefined) return undefined;
  if (typeof a === 'string') return i === 0 ? a : undefined;
  return i < a.length ? a[i] : undefined;
}

/**
 * A cursor over the X-Forwarded-* chain from the raw lines of X-Forwarded-For, -Proto,
 * -Host, -Port and -Prefix, keeping at most `max` entries (the nearest). Returns undefined
 * when none of the headers is present.
 */
export function xForwardedChain(
  forLines: Lines | undefined,
  proto: Lines | undefined,
  host: Lines | undefined,
  port: Lines | undefined,
  prefix: Lines | undefined,
  max: number,
  sink: WarningSink,
  cache?: TrustCache,
): ChainCursor | undefined {
  if (
    forLines === undefined &&
    proto === undefined &&
    host === undefined &&
    port === undefined &&
    prefix === undefined
  ) {
    return undefined;
  }
  return new XForwardedCursor(
    forLines,
    attr('x-forwarded-proto', proto, forLines, max, sink),
    attr('x-forwarded-host', host, forLines, max, sink),
    attr('x-forwarded-port', port, forLines, max, sink),
    attr('x-forwarded-prefix', prefix, forLines, max, sink),
    max,
    cache,
  );
}
