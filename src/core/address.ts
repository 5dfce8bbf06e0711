/**
 * IP addresses, nodes and CIDR trust lists.
 *
 * Addresses are parsed by hand (index scanning, no regular expressions) into 32-bit words:
 * one word for IPv4, four for IPv6. An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) is
 * treated as the IPv4 address it carries, everywhere. A trust list is compiled once into
 * sorted, merged ranges per family, and matching is a binary search over them, so the
 * request path never parses the trust list again.
 */

/** A parsed IP address. `text` is canonical: dotted quad, or RFC 5952 compressed IPv6. */
export interface IpAddress {
  readonly version: 4 | 6;
  readonly text: string;
}

/** An RFC 7239 node (`for=` / `by=` value) or an X-Forwarded-For entry, interpreted. */
export type Node =
  | { readonly kind: 'ip'; readonly ip: string; readonly port: number | undefined }
  | { readonly kind: 'unknown' }
  | { readonly kind: 'obfuscated'; readonly id: string };

// Scratch words for the allocation-free parsers. Safe: JavaScript runs one call at a time.
const scratch = new Uint32Array(4);

/**
 * Parse IPv4 dotted-quad text between `start` and `end` into a 32-bit number.
 * Returns -1 when invalid. Leading zeros are rejected (they mean octal to some parsers).
 *
 * Two hot paths read the same grammar without calling this, and must change with it:
 * `lastQuad` in resolve.ts (right to left over X-Forwarded-For) and `readQuad` in
 * proxy-protocol/decode.ts (over the bytes of a PROXY v1 line). Each has a property test
 * that holds it to the general path's answers.
 */
function parseV4(s: string, start: number, end: number): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits === 1 && octet === 0) return -1; // leading zero
      octet = octet * 10 + (c - 48);
      if (octet > 255) return -1;
      digits++;
    } else if (c === 46) {
      if (digits === 0) return -1;
      value = ((value << 8) | octet) >>> 0;
      octet = 0;
      digits = 0;
      dots++;
      if (dots > 3) return -1;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return ((value << 8) | octet) >>> 0;
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * Parse IPv6 text between `start` and `end` into `out` (four words). A zone id (`%eth0`)
 * is dropped. Returns false when invalid.
 */
function parseV6(s: string, start: number, end: number, out: Uint32Array): boolean {
  // Drop a zone id.
  for (let i = start; i < end; i++) {
    if (s.charCodeAt(i) === 37) {
      if (i === end - 1) return false;
      end = i;
      break;
    }
  }
  if (end - start < 2) return false;
  const groups: number[] = [0, 0, 0, 0, 0, 0, 0, 0];
  let n = 0; // groups written
  let gap = -1; // index in groups where '::' was
  let i = start;
  if (s.charCodeAt(i) === 58) {
    if (s.charCodeAt(i + 1) !== 58) return false;
    gap = 0;
    i += 2;
    if (i === end) {
      out[0] = out[1] = out[2] = out[3] = 0;
      return true;
    }
  }
  while (i < end) {
    if (n === 8) return false;
    // Find the end of this group.
    let j = i;
    let v = 0;
    while (j < end) {
      const h = hexVal(s.charCodeAt(j));
      if (h < 0) break;
      v = v * 16 + h;
      j++;
      if (j - i > 4) return false;
    }
    const c = j < end ? s.charCodeAt(j) : -1;
    if (c === 46) {
      // Embedded IPv4 in the last 32 bits.
      if (n > 6) return false;
      const v4 = parseV4(s, i, end);
      if (v4 < 0) return false;
      groups[n++] = v4 >>> 16;
      groups[n++] = v4 & 0xffff;
      i = end;
      break;
    }
    if (j === i) return false;
    groups[n++] = v;
    if (j === end) {
      i = end;
      break;
    }
    if (c !== 58) return false;
    j++;
    if (j < end && s.charCodeAt(j) === 58) {
      if (gap >= 0) return false;
      gap = n;
      j++;
      if (j === end) {
        i = end;
        break;
      }
    } else if (j === end) {
      return false; // trailing single colon
    }
    i = j;
  }
  if (gap >= 0) {
    if (n === 8) return false;
    const tail = n - gap;
    for (let k = 0; k < tail; k++) groups[7 - k] = groups[n - 1 - k]!;
    for (let k = gap; k < 8 - tail; k++) groups[k] = 0;
  } else if (n !== 8) {
    return false;
  }
  out[0] = ((groups[0]! << 16) | groups[1]!) >>> 0;
  out[1] = ((groups[2]! << 16) | groups[3]!) >>> 0;
  out[2] = ((groups[4]! << 16) | groups[5]!) >>> 0;
  out[3] = ((groups[6]! << 16) | groups[7]!) >>> 0;
  return true;
}

/**
 * Parse a bare address (no port, no brackets) into words. Returns 4 (word in out[0]),
 * 6 (out[0..3]) or 0 when invalid. IPv4-mapped IPv6 comes back as 4.
 * @internal
 */
export function parseIpWords(s: string, start: number, end: number, out: Uint32Array): 0 | 4 | 6 {
  let colon = false;
  for (let i = start; i < end; i++) {
    if (s.charCodeAt(i) === 58) {
      colon = true;
      break;
    }
  }
  if (!colon) {
    const v = parseV4(s, start, end);
    if (v < 0) return 0;
    out[0] = v;
    return 4;
  }
  if (!parseV6(s, start, end, out)) return 0;
  if (out[0] === 0 && out[1] === 0 && out[2] === 0xffff) {
    out[0] = out[3]!;
    return 4;
  }
  return 6;
}

/** `String(i)` and `${i}.` for every byte value: the pieces of a dotted quad, made once. */
const DECIMAL: readonly string[] = Array.from({ length: 256 }, (_, i) => String(i));
const DOTTED: readonly string[] = DECIMAL.map((d) => `${d}.`);

/** Dotted-quad text of a 32-bit IPv4 value. @internal */
export function v4Text(v: number): string {
  return (
    DOTTED[v >>> 24]! + DOTTED[(v >>> 16) & 255]! + DOTTED[(v >>> 8) & 255]! + DECIMAL[v & 255]!
  );
}

/**
 * RFC 5952 text of an IPv6 address given as four 32-bit words; an IPv4-mapped address is
 * written `::ffff:a.b.c.d` (RFC 5952 section 5). @internal
 */
export function v6Text(w: Uint32Array): string {
  if (w[0] === 0 && w[1] === 0 && w[2] === 0xffff) return `::ffff:${v4Text(w[3]!)}`;
  const g = [
    w[0]! >>> 16,
    w[0]! & 0xffff,
    w[1]! >>> 16,
    w[1]! & 0xffff,
    w[2]! >>> 16,
    w[2]! & 0xffff,
    w[3]! >>> 16,
    w[3]! & 0xffff,
  ];
  // RFC 5952: compress the longest run (length >= 2) of zero groups, the first one on ties.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return g.map((x) => x.toString(16)).join(':');
  const head = g
    .slice(0, bestStart)
    .map((x) => x.toString(16))
    .join(':');
  const tail = g
    .slice(bestStart + bestLen)
    .map((x) => x.toString(16))
    .join(':');
  return `${head}::${tail}`;
}

/** Canonical text for the address in `out` as returned by {@link parseIpWords}. @internal */
export function wordsText(version: 4 | 6, out: Uint32Array): string {
  return version === 4 ? v4Text(out[0]!) : v6Text(out);
}

/**
 * Parse a bare IP address: IPv4, IPv6 (compressed, embedded IPv4, zone id dropped).
 * IPv4-mapped IPv6 is returned as IPv4. No ports or brackets: see {@link parseNode}.
 * Returns undefined when the text is not an address. Never throws.
 */
export function parseIp(text: string): IpAddress | undefined {
  if (typeof text !== 'string' || text.length > 64) return undefined;
  const v = parseIpWords(text, 0, text.length, scratch);
  if (v === 0) return undefined;
  return { version: v, text: wordsText(v, scratch) };
}

/** True when `text` is a bare IPv4 or IPv6 address. */
export function isIp(text: string): boolean {
  return (
    typeof text === 'string' &&
    text.length <= 64 &&
    parseIpWords(text, 0, text.length, scratch) !== 0
  );
}

function parsePort(s: string, start: number, end: number): number {
  if (end <= start || end - start > 5) return -1;
  let p = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    p = p * 10 + (c - 48);
  }
  return p > 65535 ? -1 : p;
}

/**
 * Interpret an address with an optional port, as found in X-Forwarded-For, X-Real-IP,
 * CF-Connecting-IP and socket addresses: `192.0.2.1`, `192.0.2.1:8080`, `2001:db8::1`,
 * `[2001:db8::1]`, `[2001:db8::1]:8080`, `::ffff:10.0.0.1`, `fe80::1%eth0`.
 * Returns undefined when it is not one. Never throws.
 */
export function parseAddressWithPort(
  text: string,
): { ip: string; port: number | undefined } | undefined {
  const r = scanAddress(text, 0, text.length);
  if (r === 0) return undefined;
  const port = scannedPort[0]!;
  return { ip: wordsText(r, scratch), port: port < 0 ? undefined : port };
}

/**
 * Side results of the last {@link scanAddress}: [0] the port or -1; [1] 1 when the text was
 * a plain dotted quad (already canonical), else 0. @internal
 */
export const scannedPort: Int32Array = new Int32Array(2);

/**
 * Scan `[v6]:port`, `[v6]`, `v4:port`, `v4` or bare v6 between start and end into `scratch`.
 * Returns the version or 0. The port (or -1) is left in `scannedPort[0]`.
 * @internal
 */
export function scanAddress(s: string, start: number, end: number): 0 | 4 | 6 {
  scannedPort[0] = -1;
  scannedPort[1] = 0;
  if (end - start > 80 || end <= start) return 0;
  if (s.charCodeAt(start) === 91) {
    // [v6] or [v6]:port
    let close = -1;
    for (let i = start + 1; i < end; i++) {
      if (s.charCodeAt(i) === 93) {
        close = i;
        break;
      }
    }
    if (close < 0) return 0;
    if (close + 1 < end) {
      if (s.charCodeAt(close + 1) !== 58) return 0;
      const p = parsePort(s, close + 2, end);
      if (p < 0) return 0;
      scannedPort[0] = p;
    }
    // Bracketed text must be IPv6 (possibly with embedded IPv4), never plain IPv4.
    let hasColon = false;
    for (let i = start + 1; i < close; i++) {
      if (s.charCodeAt(i) === 58) {
        hasColon = true;
        break;
      }
    }
    if (!hasColon) return 0;
    return parseIpWords(s, start + 1, close, scratch);
  }
  // The common case first: a plain dotted quad, in one pass.
  const plain = parseV4(s, start, end);
  if (plain >= 0) {
    scratch[0] = plain;
    scannedPort[1] = 1;
    return 4;
  }
  // Count colons: one colon means v4:port; more means bare v6.
  let colons = 0;
  let colonAt = -1;
  for (let i = start; i < end; i++) {
    if (s.charCodeAt(i) === 58) {
      colons++;
      colonAt = i;
      if (colons > 1) break;
    }
  }
  if (colons === 1) {
    const p = parsePort(s, colonAt + 1, end);
    if (p < 0) return 0;
    const v = parseV4(s, start, colonAt);
    if (v < 0) return 0;
    scratch[0] = v;
    scannedPort[0] = p;
    return 4;
  }
  if (colons === 0) return 0;
  return parseIpWords(s, start, end, scratch);
}

/** The scratch words filled by the last successful {@link scanAddress}. @internal */
export const scanned: Uint32Array = scratch;

/**
 * Interpret an RFC 7239 node (the unquoted value of `for=` or `by=`): an IPv4 address, a
 * bracketed IPv6 address, `unknown` or an obfuscated `_identifier`, each with an optional
 * `:port` (a number or an obfuscated `_port`). Returns undefined when malformed.
 */
export function parseNode(value: string): Node | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > 128) return undefined;
  const c0 = value.charCodeAt(0);
  if (c0 !== 91 && c0 !== 95 && (c0 < 48 || c0 > 57) && (c0 | 32) !== 117) return undefined;
  // Split off the port: after the bracket for IPv6, else after the only colon.
  let nameEnd = value.length;
  let portText: string | undefined;
  if (c0 === 91) {
    const close = value.indexOf(']');
    if (close < 0) return undefined;
    nameEnd = close + 1;
    if (nameEnd < value.length) {
      if (value.charCodeAt(nameEnd) !== 58) return undefined;
      portText = value.slice(nameEnd + 1);
    }
  } else {
    const colon = value.indexOf(':');
    if (colon >= 0) {
      nameEnd = colon;
      portText = value.slice(colon + 1);
    }
  }
  let port: number | undefined;
  if (portText !== undefined) {
    if (portText.length > 1 && portText.charCodeAt(0) === 95) {
      if (!isObfuscated(portText)) return undefined;
    } else {
      const p = parsePort(portText, 0, portText.length);
      if (p < 0) return undefined;
      port = p;
    }
  }
  const name = value.slice(0, nameEnd);
  if (name.toLowerCase() === 'unknown') return { kind: 'unknown' };
  if (name.charCodeAt(0) === 95) {
    return isObfuscated(name) ? { kind: 'obfuscated', id: name } : undefined;
  }
  if (c0 === 91) {
    const inner = name.slice(1, -1);
    if (inner.indexOf(':') < 0) return undefined;
    const v = parseIpWords(inner, 0, inner.length, scratch);
    if (v === 0) return undefined;
    return { kind: 'ip', ip: wordsText(v, scratch), port };
  }
  const v4 = parseV4(name, 0, name.length);
  if (v4 < 0) return undefined;
  return { kind: 'ip', ip: v4Text(v4), port };
}

/** RFC 7239 obfnode / obfport: "_" 1*( ALPHA / DIGIT / "." / "_" / "-" ). */
function isObfuscated(s: string): boolean {
  if (s.length < 2 || s.charCodeAt(0) !== 95) return false;
  for (let i = 1; i < s.length; i++) {
    const c = s.charCodeAt(i) | 0;
    const ok =
      (c >= 48 && c <= 57) ||
      (c >= 65 && c <= 90) ||
      (c >= 97 && c <= 122) ||
      c === 46 ||
      c === 95 ||
      c === 45;
    if (!ok) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------
// CIDR lists

/** The named ranges accepted in trust lists. */
export const NAMED_RANGES: Readonly<Record<string, readonly string[]>> = {
  /** 127.0.0.0/8 and ::1. */
  loopback: ['127.0.0.0/8', '::1/128'],
  /** 169.254.0.0/16 and fe80::/10. */
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  /** RFC 1918 and IPv6 unique-local fc00::/7 (the same set as proxy-addr's `uniquelocal`). */
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
  /** RFC 1918 plus unique-local IPv6 (fc00::/7). An alias of `uniquelocal`. */
  private: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

/** A parsed CIDR range. */
export interface Cidr {
  readonly version: 4 | 6;
  /** Canonical network text, e.g. `10.0.0.0/8`. */
  readonly text: string;
  /** Network address words (1 for IPv4, 4 for IPv6), host bits cleared. */
  readonly words: readonly number[];
  readonly prefix: number;
}

/**
 * Parse `addr/prefix` or a bare address (a /32 or /128). IPv4-mapped IPv6 ranges
 * (`::ffff:10.0.0.0/104`) become IPv4 ranges. Host bits set beyond the prefix are
 * rejected, because a typo there usually means a wrong range.
 * @throws TypeError naming the value when it is not a valid CIDR.
 */
export function parseCidr(text: string): Cidr {
  if (typeof text !== 'string') throw new TypeError(`invalid CIDR: ${String(text)}`);
  const t = text.trim();
  const slash = t.indexOf('/');
  const addrText = slash < 0 ? t : t.slice(0, slash);
  const v = parseIpWords(addrText, 0, addrText.length, scratch);
  if (v === 0) throw new TypeError(`invalid CIDR "${text}": "${addrText}" is not an IP address`);
  const mapped = v === 4 && addrText.indexOf(':') >= 0;
  const max = v === 4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const p = parsePort(t, slash + 1, t.length);
    const declaredMax = mapped ? 128 : max;
    if (p < 0 || p > declaredMax || t.length - slash - 1 > 3) {
      throw new TypeError(`invalid CIDR "${text}": prefix must be 0..${declaredMax}`);
    }
    prefix = mapped ? p - 96 : p;
    if (prefix < 0) throw new TypeError(`invalid CIDR "${text}": mapped prefix below /96`);
  }
  const words = v === 4 ? [scratch[0]!] : [scratch[0]!, scratch[1]!, scratch[2]!, scratch[3]!];
  for (let w = 0; w < words.length; w++) {
    const bitsHere = Math.max(0, Math.min(32, prefix - w * 32));
    const mask =
      bitsHere === 0 ? 0 : bitsHere === 32 ? 0xffffffff : (0xffffffff << (32 - bitsHere)) >>> 0;
    if ((words[w]! & ~mask) >>> 0 !== 0) {
      throw new TypeError(
        `invalid CIDR "${text}": address has bits set beyond /${slash < 0 ? max : t.slice(slash + 1)}`,
      );
    }
  }
  const scratchWords = new Uint32Array(4);
  for (let k = 0; k < words.length; k++) scratchWords[k] = words[k]!;
  return { version: v, text: `${wordsText(v, scratchWords)}/${prefix}`, words, prefix };
}

/**
 * Compiled ranges: IPv4 as parallel sorted start/end arrays; IPv6 as sorted start/end
 * quadruples. Merged so that ranges never overlap, which makes binary search exact.
 * @internal
 */
export interface CompiledRanges {
  readonly v4Start: Float64Array;
  readonly v4End: Float64Array;
  /** 4 words per range, start then end: [s0,s1,s2,s3,e0,e1,e2,e3, ...]. */
  readonly v6: Float64Array;
  readonly v6Count: number;
  /** True when every IPv4 address matches. */
  readonly allV4: boolean;
  /** True when every IPv6 address matches. */
  readonly allV6: boolean;
}

function v6Less(a: readonly number[], b: readonly number[]): number {
  for (let k = 0; k < 4; k++) if (a[k] !== b[k]) return a[k]! < b[k]! ? -1 : 1;
  return 0;
}

function v6Inc(a: readonly number[]): number[] | undefined {
  const r = a.slice();
  for (let k = 3; k >= 0; k--) {
    if (r[k] === 0xffffffff) r[k] = 0;
    else {
      r[k] = r[k]! + 1;
      return r;
    }
  }
  return undefined; // overflow: a was the last address
}

/** Compile CIDRs into merged ranges. @internal */
export function compileRanges(cidrs: readonly Cidr[]): CompiledRanges {
  const v4: [number, number][] = [];
  const v6: [number[], number[]][] = [];
  for (const c of cidrs) {
    if (c.version === 4) {
      const size = 2 ** (32 - c.prefix);
      v4.push([c.words[0]!, c.words[0]! + size - 1]);
    } else {
      const end: number[] = [];
      for (let w = 0; w < 4; w++) {
        const bitsHere = Math.max(0, Math.min(32, c.prefix - w * 32));
        const host = bitsHere === 32 ? 0 : bitsHere === 0 ? 0xffffffff : 0xffffffff >>> bitsHere;
        end.push((c.words[w]! | host) >>> 0);
      }
      v6.push([c.words.slice(), end]);
    }
  }
  v4.sort((a, b) => a[0] - b[0]);
  const m4: [number, number][] = [];
  for (const r of v4) {
    const last = m4[m4.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else m4.push([r[0], r[1]]);
  }
  v6.sort((a, b) => v6Less(a[0], b[0]));
  const m6: [number[], number[]][] = [];
  for (const r of v6) {
    const last = m6[m6.length - 1];
    const next = last ? v6Inc(last[1]) : undefined;
    if (last && (next === undefined || v6Less(r[0], next) <= 0)) {
      if (v6Less(r[1], last[1]) > 0) last[1] = r[1];
    } else m6.push([r[0], r[1]]);
  }
  const v6arr = new Float64Array(m6.length * 8);
  m6.forEach((r, i) => {
    for (let k = 0; k < 4; k++) {
      v6arr[i * 8 + k] = r[0][k]!;
      v6arr[i * 8 + 4 + k] = r[1][k]!;
    }
  });
  return {
    v4Start: Float64Array.from(m4.map((r) => r[0])),
    v4End: Float64Array.from(m4.map((r) => r[1])),
    v6: v6arr,
    v6Count: m6.length,
    allV4: m4.length === 1 && m4[0]![0] === 0 && m4[0]![1] === 0xffffffff,
    allV6:
      m6.length === 1 &&
      m6[0]![0].every((x) => x === 0) &&
      m6[0]![1].every((x) => x === 0xffffffff),
  };
}

/** Match the address in `words` against compiled ranges. @internal */
export function matchRanges(r: CompiledRanges, version: 4 | 6, words: Uint32Array): boolean {
  if (version === 4) {
    const a = words[0]!;
    const starts = r.v4Start;
    let lo = 0;
    let hi = starts.length - 1;
    // Find the last range whose start <= a.
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid]! <= a) lo = mid + 1;
      else hi = mid - 1;
    }
    return hi >= 0 && a <= r.v4End[hi]!;
  }
  const v = r.v6;
  let lo = 0;
  let hi = r.v6Count - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp6(v, mid * 8, words) <= 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return hi >= 0 && cmp6(v, hi * 8 + 4, words) >= 0;
}

/** Compare the quadruple at v[o..o+3] with words: -1, 0 or 1. */
function cmp6(v: Float64Array, o: number, words: Uint32Array): number {
  for (let k = 0; k < 4; k++) {
    const x = v[o + k]!;
    const y = words[k]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** A trust list entry: a CIDR, a bare IP, or a named range. */
export type TrustEntry = string;

/** A compiled predicate over address text, with the data it was built from. */
export interface TrustPredicate {
  (address: string): boolean;
  /** The canonical CIDRs the list expanded to. */
  readonly cidrs: readonly string[];
  /** True when the list covers every IPv4 or every IPv6 address. */
  readonly coversEverything: boolean;
  /** @internal the compiled ranges */
  readonly ranges: CompiledRanges;
}

/**
 * Expand names and parse CIDRs. Names are the keys of {@link NAMED_RANGES}; `resolveName`
 * may supply more (the policy uses it for provider presets).
 * @throws TypeError naming the offending entry.
 */
export function expandTrustList(
  list: readonly TrustEntry[],
  resolveName?: (name: string) => readonly string[] | undefined,
): Cidr[] {
  if (!Array.isArray(list)) throw new TypeError('trust list must be an array of strings');
  const out: Cidr[] = [];
  for (const entry of list) {
    if (typeof entry !== 'string' || entry.trim() === '') {
      throw new TypeError(`invalid trust entry: ${JSON.stringify(entry)}`);
    }
    const key = entry.trim().toLowerCase();
    // own keys only: `__proto__` or `constructor` must not reach Object.prototype
    const named =
      (Object.hasOwn(NAMED_RANGES, key) ? NAMED_RANGES[key] : undefined) ?? resolveName?.(key);
    if (named) {
      for (const c of named) out.push(parseCidr(c));
      continue;
    }
    if (/^[a-z][a-z0-9-]*$/.test(key)) {
      throw new TypeError(
        `unknown trust name "${entry}": expected a CIDR, an IP, or one of ${[
          ...Object.keys(NAMED_RANGES),
        ].join(', ')}${resolveName ? ' or a preset name' : ''}`,
      );
    }
    out.push(parseCidr(entry));
  }
  return out;
}

/**
 * Compile a trust list (CIDRs, bare IPs, `loopback`, `private`, `linklocal`,
 * `uniquelocal`) once into a fast predicate over address text. The predicate accepts the
 * same address forms as {@link parseAddressWithPort} and returns false for anything that
 * is not an address.
 * @throws TypeError naming the offending entry.
 */
export function compileTrustList(list: readonly TrustEntry[]): TrustPredicate {
  const cidrs = expandTrustList(list);
  const ranges = compileRanges(cidrs);
  const fn = (address: string): boolean => {
    if (typeof address !== 'string') return false;
    const v = scanAddress(address, 0, address.length);
    return v !== 0 && matchRanges(ranges, v, scratch);
  };
  return Object.assign(fn, {
    cidrs: cidrs.map((c) => c.text),
    coversEverything: ranges.allV4 || ranges.allV6,
    ranges,
  });
}

// ---------------------------------------------------------------------------------------
// A small cache of recently trusted addresses

/**
 * The canonical texts of the last few addresses found trusted (proxies repeat from request
 * to request; clients do not, and untrusted addresses are never cached). Only valid for
 * trust that depends on the address alone (no hop counts, no functions).
 * @internal
 */
export interface TrustCache {
  readonly texts: (string | undefined)[];
}

/** A cache of `size` slots (a power of two), direct-mapped. @internal */
export function newTrustCache(size = 32): TrustCache {
  return { texts: new Array<string | undefined>(size).fill(undefined) };
}

/** The slot of `s[start, end)`: its length and last two characters, so a miss costs one look. */
function slotOf(c: TrustCache, s: string, start: number, end: number): number {
  const len = end - start;
  const h = len * 31 + s.charCodeAt(end - 1) * 7 + (len > 1 ? s.charCodeAt(end - 2) : 0);
  return h & (c.texts.length - 1);
}

/** Is `s[start, end)` exactly the cached trusted text of its slot? @internal */
export function inTrustCache(c: TrustCache, s: string, start: number, end: number): boolean {
  const len = end - start;
  if (len <= 0) return false;
  const t = c.texts[slotOf(c, s, start, end)];
  if (t === undefined || t.length !== len) return false;
  if (len === s.length) return t === s;
  for (let i = 0; i < len; i++) if (t.charCodeAt(i) !== s.charCodeAt(start + i)) return false;
  return true;
}

/** Remember a trusted address (canonical text). @internal */
export function addToTrustCache(c: TrustCache, text: string): void {
  if (text.length > 0) c.texts[slotOf(c, text, 0, text.length)] = text;
}

/**
 * Strict parsers for wire formats (the PROXY protocol): no zone ids, no ports, IPv4-mapped
 * IPv6 kept as IPv6. @internal
 */
export function parseIpv4Strict(s: string): number {
  return s.length > 15 ? -1 : parseV4(s, 0, s.length);
}

/** See {@link parseIpv4Strict}. Fills `out` (four words); false when invalid. @internal */
export function parseIpv6Strict(s: string, out: Uint32Array): boolean {
  if (s.length > 45 || s.indexOf('%') >= 0) return false;
  return parseV6(s, 0, s.length, out);
}
