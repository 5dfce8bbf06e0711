/**
 * RFC 7239 `Forwarded` header parser, to the full grammar:
 *
 * ```
 * Forwarded         = 1#forwarded-element
 * forwarded-element = [ forwarded-pair ] *( ";" [ forwarded-pair ] )
 * forwarded-pair    = token "=" value
 * value             = token / quoted-string
 * ```
 *
 * This module only parses: node values (`for`, `by`) and `host`/`proto` are returned
 * unquoted and unescaped but otherwise uninterpreted. Validating them is another module's job.
 *
 * Work is bounded: one scan finds the element boundaries (commas outside quoted strings) and
 * keeps only the rightmost `maxElements` of them; only those are parsed.
 */
import { skipOws, trimOwsEnd } from './ows.js';
import { clip } from './warnings.js';

/** One `Forwarded` element: the parameters one hop added. */
export interface ForwardedElement {
  /** Unquoted, unescaped parameter values (names are case-insensitive; stored under lower-case keys). */
  readonly for?: string;
  /** The `by` parameter (the interface where the request came in to the proxy), unquoted. */
  readonly by?: string;
  /** The `host` parameter (the Host header the proxy received), unquoted. */
  readonly host?: string;
  /** The `proto` parameter (the scheme the proxy received), unquoted, case preserved. */
  readonly proto?: string;
  /**
   * Any other parameters, lower-case names -> unquoted values. Absent when there are none.
   * The object has a null prototype, so a parameter named `constructor` or `__proto__` is an
   * ordinary own key and a lookup of an absent name is always `undefined`.
   */
  readonly extensions?: Readonly<Record<string, string>>;
  /** Set (to a short human reason) when this element does not parse. Other fields are then absent. */
  readonly malformed?: string;
  /** The raw text of the element (trimmed, clipped to 200 chars), for explain traces. */
  readonly raw: string;
}

/** The result of {@link parseForwarded}. */
export interface ForwardedParseResult {
  /** Elements in header order (left to right), lines concatenated in order. */
  readonly elements: ForwardedElement[];
  /** True when more than maxElements elements were present: only the RIGHTMOST maxElements are kept. */
  readonly truncated: boolean;
}

/** Default cap on the number of elements (hops) parsed. */
export const DEFAULT_MAX_FORWARDED_ELEMENTS = 64;
/** Default cap on the number of parameters in one element. */
export const DEFAULT_MAX_FORWARDED_PARAMS = 16;

const SP = 0x20;
const HTAB = 0x09;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const SEMI = 0x3b;
const EQUALS = 0x3d;

/** tchar (RFC 7230 section 3.2.6), indexed by char code < 128. */
const TCHAR: Uint8Array = (() => {
  const t = new Uint8Array(128);
  for (let c = 0x30; c <= 0x39; c++) t[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) t[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) t[c] = 1;
  for (const ch of "!#$%&'*+-.^_`|~") t[ch.charCodeAt(0)] = 1;
  return t;
})();

function isTchar(c: number): boolean {
  return c < 128 && TCHAR[c] === 1;
}

/** qdtext and the escaped octet of a quoted-pair, apart from DQUOTE and backslash themselves. */
function isQuotedOctet(c: number): boolean {
  // HTAB / SP / VCHAR / obs-text; excludes other controls, DEL and anything above 0xFF.
  return c === HTAB || (c >= 0x20 && c <= 0xff && c !== 0x7f);
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function malformed(line: string, start: number, end: number, reason: string): ForwardedElement {
  return { malformed: reason, raw: clip(line.slice(start, end)) };
}

/** Parse one element occupying line[start, end) (already trimmed of OWS, not empty). */
function parseElement(
  line: string,
  start: number,
  end: number,
  maxParams: number,
): ForwardedElement {
  let forV: string | undefined;
  let byV: string | undefined;
  let hostV: string | undefined;
  let protoV: string | undefined;
  let ext: Record<string, string> | undefined;
  let count = 0;
  let pos = start;

  while (pos < end) {
    let c = line.charCodeAt(pos);
    if (c === SP || c === HTAB) {
      pos++;
      continue;
    }
    if (c === SEMI) {
      // An empty forwarded-pair between semicolons is allowed by the grammar.
      pos++;
      continue;
    }

    // Parameter name: a token.
    const nameStart = pos;
    while (pos < end && isTchar(line.charCodeAt(pos))) pos++;
    const nameEnd = pos;
    if (nameEnd === nameStart) {
      return malformed(line, start, end, 'invalid character where a parameter name was expected');
    }
    if (pos === end) return malformed(line, start, end, "missing '=' after parameter name");
    c = line.charCodeAt(pos);
    if (c !== EQUALS) {
      if (c === SP || c === HTAB) {
        return malformed(line, start, end, "whitespace around '=' is not allowed");
      }
      if (c === SEMI) return malformed(line, start, end, "missing '=' after parameter name");
      return malformed(line, start, end, 'invalid character in parameter name');
    }
    pos++;
    if (pos === end) return malformed(line, start, end, 'empty parameter value');

    // Value: a token or a quoted-string.
    let value: string;
    c = line.charCodeAt(pos);
    if (c === DQUOTE) {
      pos++;
      let segStart = pos;
      let unescaped = '';
      let closed = false;
      while (pos < end) {
        c = line.charCodeAt(pos);
        if (c === DQUOTE) {
          closed = true;
          break;
        }
        if (c === BACKSLASH) {
          if (pos + 1 >= end) break;
          if (!isQuotedOctet(line.charCodeAt(pos + 1))) {
            return malformed(line, start, end, 'invalid character in quoted string');
          }
          unescaped += line.slice(segStart, pos);
          segStart = pos + 1; // keep the escaped character, drop the backslash
          pos += 2;
          continue;
        }
        if (!isQuotedOctet(c)) {
          return malformed(line, start, end, 'invalid character in quoted string');
        }
        pos++;
      }
      if (!closed) return malformed(line, start, end, 'unterminated quoted string');
      value = unescaped + line.slice(segStart, pos);
      pos++; // closing quote
      if (value.length === 0) return malformed(line, start, end, 'empty parameter value');
    } else {
      const valueStart = pos;
      while (pos < end && isTchar(line.charCodeAt(pos))) pos++;
      if (pos === valueStart) {
        if (c === SP || c === HTAB) {
          return malformed(line, start, end, "whitespace around '=' is not allowed");
        }
        if (c === SEMI) return malformed(line, start, end, 'empty parameter value');
        return malformed(line, start, end, 'invalid character in parameter value');
      }
      value = line.slice(valueStart, pos);
    }

    // After a value: OWS, then ';' or the end of the element.
    while (pos < end) {
      c = line.charCodeAt(pos);
      if (c !== SP && c !== HTAB) break;
      pos++;
    }
    if (pos < end) {
      if (line.charCodeAt(pos) !== SEMI) {
        return malformed(line, start, end, 'unexpected character after parameter value');
      }
      pos++;
    }

    count++;
    if (count > maxParams) return malformed(line, start, end, 'too many parameters');

    // Store under the lower-case name, rejecting repeats.
    const len = nameEnd - nameStart;
    const c0 = line.charCodeAt(nameStart) | 0x20;
    if (len === 3 && c0 === 0x66 && lowerIs(line, nameStart + 1, 'or')) {
      if (forV !== undefined) return malformed(line, start, end, "parameter 'for' repeated");
      forV = value;
    } else if (len === 2 && c0 === 0x62 && (line.charCodeAt(nameStart + 1) | 0x20) === 0x79) {
      if (byV !== undefined) return malformed(line, start, end, "parameter 'by' repeated");
      byV = value;
    } else if (len === 4 && c0 === 0x68 && lowerIs(line, nameStart + 1, 'ost')) {
      if (hostV !== undefined) return malformed(line, start, end, "parameter 'host' repeated");
      hostV = value;
    } else if (len === 5 && c0 === 0x70 && lowerIs(line, nameStart + 1, 'roto')) {
      if (protoV !== undefined) return malformed(line, start, end, "parameter 'proto' repeated");
      protoV = value;
    } else {
      const name = line.slice(nameStart, nameEnd).toLowerCase();
      if (ext === undefined) {
        ext = Object.create(null) as Record<string, string>;
      } else if (ext[name] !== undefined) {
        return malformed(line, start, end, `parameter '${clip(name)}' repeated`);
      }
      ext[name] = value;
    }
  }

  const el: Mutable<ForwardedElement> = { raw: clip(line.slice(start, end)) };
  if (forV !== undefined) el.for = forV;
  if (byV !== undefined) el.by = byV;
  if (hostV !== undefined) el.host = hostV;
  if (protoV !== undefined) el.proto = protoV;
  if (ext !== undefined) el.extensions = ext;
  return el;
}

/** Whether line[at, at + lower.length) equals `lower` ignoring ASCII case (`lower` is a-z only). */
function lowerIs(line: string, at: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    if ((line.charCodeAt(at + i) | 0x20) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

function normalizeCap(value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Math.floor(value);
  if (!(n >= 0)) return 0; // NaN and negatives
  return n;
}

/**
 * Parse one or more `Forwarded` header lines (RFC 7239) into elements, one per hop, in header
 * order (the client side first, the hop nearest this server last).
 *
 * - Several lines form one list, in order. Empty list elements are skipped (RFC 7230 #rule).
 *   OWS is allowed around `,` and `;` but not around `=`. Commas and semicolons inside quoted
 *   strings do not split. A quoted string never spans two lines.
 * - An element that does not parse (repeated parameter, bad token, unterminated quote, missing
 *   `=`, empty value including `""`, invalid octet, more than `maxParamsPerElement` parameters)
 *   is returned with `malformed` set and no parameters; the other elements are unaffected.
 * - An element made only of semicolons (`;`) is valid and has no parameters.
 * - Values are unquoted and unescaped only. `for=unknown`, `for=_hidden` and
 *   `for="[2001:db8::1]:8080"` are returned as text; unquoted IPv6 (`for=2001:db8::1`) or an
 *   unquoted `:port` is not a token, so that element is malformed.
 * - Only the rightmost `maxElements` elements are parsed and returned; `truncated` tells whether
 *   any were dropped. Caps are floored; NaN or negative caps count as 0.
 *
 * Never throws; non-string lines are ignored.
 *
 * @param lines the header value, or its lines in order
 * @param maxElements cap on the elements kept (default 64)
 * @param maxParamsPerElement cap on the parameters of one element (default 16)
 */
export function parseForwarded(
  lines: string | readonly string[],
  maxElements: number = DEFAULT_MAX_FORWARDED_ELEMENTS,
  maxParamsPerElement: number = DEFAULT_MAX_FORWARDED_PARAMS,
): ForwardedParseResult {
  const maxEl = normalizeCap(maxElements, DEFAULT_MAX_FORWARDED_ELEMENTS);
  const maxParams = normalizeCap(maxParamsPerElement, DEFAULT_MAX_FORWARDED_PARAMS);

  // Fast path: a single string line.
  if (typeof lines === 'string') return parseLines(lines, undefined, maxEl, maxParams);
  if (!Array.isArray(lines)) return { elements: [], truncated: false };
  return parseLines(undefined, lines, maxEl, maxParams);
}

function parseLines(
  single: string | undefined,
  many: readonly string[] | undefined,
  maxEl: number,
  maxParams: number,
): ForwardedParseResult {
  // Ring buffer of the rightmost maxEl element boundaries: (line index, start, end) triples.
  const bounds: number[] = [];
  let total = 0;
  const lineCount = many === undefined ? 1 : many.length;

  for (let li = 0; li < lineCount; li++) {
    const line = many === undefined ? (single as string) : many[li];
    if (typeof line !== 'string') continue;
    const len = line.length;
    let pos = 0;
    while (pos <= len) {
      // Scan one element: up to a comma outside quotes, or the end of the line.
      let s = pos;
      let inQuote = false;
      while (pos < len) {
        const c = line.charCodeAt(pos);
        if (inQuote) {
          if (c === BACKSLASH) pos++;
          else if (c === DQUOTE) inQuote = false;
        } else if (c === DQUOTE) {
          inQuote = true;
        } else if (c === COMMA) {
          break;
        }
        pos++;
      }
      let e = Math.min(pos, len);
      pos = e + 1; // past the comma (or past the end, which ends the loop)
      s = skipOws(line, s, e);
      e = trimOwsEnd(line, s, e);
      if (s === e) continue; // empty list element
      if (maxEl > 0) {
        if (total < maxEl) {
          bounds.push(li, s, e);
        } else {
          const slot = (total % maxEl) * 3;
          bounds[slot] = li;
          bounds[slot + 1] = s;
          bounds[slot + 2] = e;
        }
      }
      total++;
    }
  }

  const kept = Math.min(total, maxEl);
  const elements: ForwardedElement[] = [];
  const first = total > maxEl ? total % maxEl : 0; // oldest slot in the ring
  for (let k = 0; k < kept; k++) {
    const slot = ((first + k) % kept) * 3;
    const li = bounds[slot] as number;
    const line = many === undefined ? (single as string) : (many[li] as string);
    elements.push(
      parseElement(line, bounds[slot + 1] as number, bounds[slot + 2] as number, maxParams),
    );
  }
  return { elements, truncated: total > maxEl };
}
