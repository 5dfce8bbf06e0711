/**
 * The PROXY protocol decoder: v1 and v2, strict framing, every TLV of the spec.
 * {@link decodeProxyHeader} never throws: any input gives a header, "incomplete" or a
 * {@link ProxyProtocolError} with a stable code. It reads the bytes in order and decides
 * as soon as a prefix is enough, so feeding a stream in chunks gives the same answer as
 * feeding it at once.
 */
import { Buffer } from 'node:buffer';
import { v4Text } from '../core/address.js';
import { crc32cUpdate, crc32cZeros } from './crc32c.js';
import { be32, formatIpv6, parseIpv4, parseIpv6 } from './ip.js';
import {
  DEFAULT_MAX_HEADER_SIZE,
  type DecodeResult,
  type ProxyCommand,
  type ProxyFamily,
  type ProxyHeader,
  ProxyProtocolError,
  type ProxyProtocolErrorCode,
  type ProxyTransport,
  V1_MAX_LENGTH,
  V2_SIGNATURE,
} from './types.js';
import { V2Header } from './v2-header.js';

/** Options of {@link decodeProxyHeader}. */
export interface DecodeOptions {
  /** The largest header accepted, in bytes (default 16384). v1 is always capped at 107. */
  readonly maxHeaderSize?: number;
}

const MAX_HEADER_SIZE = DEFAULT_MAX_HEADER_SIZE;
const INCOMPLETE: DecodeResult = Object.freeze({ status: 'incomplete' });
const V1_PREFIX = [0x50, 0x52, 0x4f, 0x58, 0x59, 0x20]; // "PROXY "

function fail(code: ProxyProtocolErrorCode, message: string): DecodeResult {
  return { status: 'invalid', error: new ProxyProtocolError(code, message) };
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(2, '0')}`;
}

/**
 * Decode a PROXY protocol header at the start of `bytes`.
 *
 * - `complete`: `header` and its `length`; the bytes after it belong to the application.
 * - `incomplete`: every byte so far is a valid prefix; feed more.
 * - `invalid`: `error.code` says why (`NO_SIGNATURE` when the bytes do not start like a
 *   header at all).
 *
 * Never throws.
 */
export function decodeProxyHeader(bytes: Uint8Array, options?: DecodeOptions): DecodeResult {
  const n = bytes.length;
  if (n === 0) return INCOMPLETE;
  const first = bytes[0];
  if (first === 0x50) return decodeV1(bytes, options?.maxHeaderSize ?? MAX_HEADER_SIZE);
  if (first === 0x0d) return decodeV2(bytes, options?.maxHeaderSize ?? MAX_HEADER_SIZE);
  return fail(
    'NO_SIGNATURE',
    `no PROXY protocol header: the first byte is ${hex(first!)}, not "P" (v1) or 0x0d (v2)`,
  );
}

// ---------------------------------------------------------------- v1

function decodeV1(b: Uint8Array, maxHeaderSize: number): DecodeResult {
  return fastV1(b, maxHeaderSize) ?? decodeV1General(b, maxHeaderSize);
}

/** Where the last {@link readQuad} or {@link readPort} stopped. */
let stop = 0;

/**
 * The dotted quad at `b[i]` (strict: 4 parts, no leading zeros, each at most 255), up to
 * the first byte that is not a digit or a dot; -1 when it is not one. Sets `stop`.
 *
 * This is the byte twin of the core's string parser (`parseV4` in core/address.ts, which
 * the general v1 reader uses). They stay apart so that each is monomorphic on its own hot
 * path. The v1 property test holds the two to the same answers.
 */
function readQuad(b: Uint8Array, i: number, n: number): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (; i < n; i++) {
    const c = b[i]!;
    if (c >= 0x30 && c <= 0x39) {
      if (digits === 1 && octet === 0) return -1; // leading zero
      octet = octet * 10 + (c - 0x30);
      if (octet > 255) return -1;
      digits++;
    } else if (c === 0x2e) {
      if (digits === 0) return -1;
      value = (value << 8) | octet;
      octet = 0;
      digits = 0;
      dots++;
    } else {
      break;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  stop = i;
  return ((value << 8) | octet) >>> 0;
}

/** The decimal port at `b[i]` (1 to 5 digits, no leading zero, at most 65535), else -1. Sets `stop`. */
function readPort(b: Uint8Array, i: number, n: number): number {
  const s = i;
  const e = Math.min(n, s + 6);
  let v = 0;
  for (; i < e; i++) {
    const c = b[i]!;
    if (c < 0x30 || c > 0x39) break;
    v = v * 10 + (c - 0x30);
  }
  const digits = i - s;
  if (digits === 0 || digits > 5 || (digits > 1 && b[s] === 0x30) || v > 65535) return -1;
  stop = i;
  return v;
}

/**
 * The common v1 line, `PROXY TCP4 <source> <destination> <port> <port>\r\n`, read in one
 * pass over its bytes. Anything else (TCP6, UNKNOWN, a line not yet complete, any fault)
 * gives undefined and goes to {@link decodeV1General}, which decides it and words any
 * error; where this accepts, it gives exactly what the general reader gives (the property
 * tests hold the two equal).
 */
function fastV1(b: Uint8Array, maxHeaderSize: number): DecodeResult | undefined {
  const n = b.length;
  if (
    n < 11 ||
    b[1] !== 0x52 ||
    b[2] !== 0x4f ||
    b[3] !== 0x58 ||
    b[4] !== 0x59 ||
    b[5] !== 0x20 ||
    b[6] !== 0x54 ||
    b[7] !== 0x43 ||
    b[8] !== 0x50 ||
    b[9] !== 0x34 ||
    b[10] !== 0x20
  ) {
    return undefined;
  }
  const src = readQuad(b, 11, n);
  if (src < 0 || b[stop] !== 0x20) return undefined;
  const dst = readQuad(b, stop + 1, n);
  if (dst < 0 || b[stop] !== 0x20) return undefined;
  const sport = readPort(b, stop + 1, n);
  if (sport < 0 || b[stop] !== 0x20) return undefined;
  const dport = readPort(b, stop + 1, n);
  if (dport < 0 || b[stop] !== 0x0d || b[stop + 1] !== 0x0a) return undefined;
  const length = stop + 2;
  if (length > maxHeaderSize || length > V1_MAX_LENGTH) return undefined;
  return v1Result(length, 'INET', 'STREAM', {
    kind: 'ip',
    sourceAddress: v4Text(src),
    sourcePort: sport,
    destinationAddress: destinationText(dst),
    destinationPort: dport,
  });
}

/**
 * The v1 reader for every line: checks in the order that words the first fault, at the
 * cost of a pass per check. @internal (exported for the tests that hold the fast path to it)
 */
export function decodeV1General(b: Uint8Array, maxHeaderSize: number): DecodeResult {
  const n = b.length;
  const pre = Math.min(n, 6);
  for (let i = 1; i < pre; i++) {
    if (b[i] !== V1_PREFIX[i]) {
      return fail(
        'NO_SIGNATURE',
        `no PROXY protocol header: byte ${i} is ${hex(b[i]!)} where "PROXY " was expected`,
      );
    }
  }
  if (n < 6) return INCOMPLETE;
  const cap = Math.min(maxHeaderSize, V1_MAX_LENGTH);
  const limit = Math.min(n, cap);
  let lf = -1;
  for (let i = 6; i < limit; i++) {
    if (b[i] === 0x0a) {
      lf = i;
      break;
    }
  }
  if (lf < 0) {
    if (n >= cap) {
      return cap < V1_MAX_LENGTH
        ? fail('HEADER_TOO_LARGE', `v1 header has no CRLF within the maximum of ${cap} bytes`)
        : fail('V1_TOO_LONG', `v1 header has no CRLF within ${V1_MAX_LENGTH} bytes`);
    }
    return INCOMPLETE;
  }
  if (b[lf - 1] !== 0x0d) return fail('V1_MISSING_CRLF', 'v1 header line ends in LF without CR');
  const end = lf - 1; // index of CR
  // Every byte of the line must be printable ASCII.
  for (let i = 6; i < end; i++) {
    const c = b[i]!;
    if (c < 0x20 || c > 0x7e) {
      return fail('V1_BAD_FORMAT', `v1 header contains the byte ${hex(c)} at offset ${i}`);
    }
  }
  // protocol token
  let p = 6;
  while (p < end && b[p] !== 0x20) p++;
  const proto = latin1(b, 6, p);
  if (proto === 'UNKNOWN') {
    // "PROXY UNKNOWN\r\n" or "PROXY UNKNOWN <ignored>\r\n"
    return v1Result(lf + 1, 'UNSPEC', 'UNSPEC', undefined);
  }
  const v6 = proto === 'TCP6';
  if (!v6 && proto !== 'TCP4') {
    return fail(
      'V1_BAD_PROTOCOL',
      `v1 protocol is ${JSON.stringify(proto)}: expected TCP4, TCP6 or UNKNOWN`,
    );
  }
  if (p === end) return fail('V1_BAD_FORMAT', `v1 ${proto} header has no addresses`);
  // four fields separated by single spaces
  const starts = [0, 0, 0, 0];
  const ends = [0, 0, 0, 0];
  let field = 0;
  let s = p + 1;
  for (let i = s; i <= end; i++) {
    if (i === end || b[i] === 0x20) {
      if (i === s) return fail('V1_BAD_FORMAT', 'v1 header has an empty field (double space?)');
      if (field === 4) return fail('V1_BAD_FORMAT', 'v1 header has more than 6 fields');
      starts[field] = s;
      ends[field] = i;
      field++;
      s = i + 1;
    }
  }
  if (field !== 4) {
    return fail('V1_BAD_FORMAT', `v1 ${proto} header has ${field} of its 4 address fields`);
  }
  const srcText = latin1(b, starts[0]!, ends[0]!);
  const dstText = latin1(b, starts[1]!, ends[1]!);
  let src: string;
  let dst: string;
  if (v6) {
    const sb = parseIpv6(srcText);
    const db = parseIpv6(dstText);
    if (!sb) return fail('V1_BAD_ADDRESS', `v1 TCP6 source ${JSON.stringify(srcText)} is not IPv6`);
    if (!db) {
      return fail('V1_BAD_ADDRESS', `v1 TCP6 destination ${JSON.stringify(dstText)} is not IPv6`);
    }
    src = formatIpv6(sb, 0);
    dst = formatIpv6(db, 0);
  } else {
    if (!parseIpv4(srcText)) {
      return fail('V1_BAD_ADDRESS', `v1 TCP4 source ${JSON.stringify(srcText)} is not IPv4`);
    }
    if (!parseIpv4(dstText)) {
      return fail('V1_BAD_ADDRESS', `v1 TCP4 destination ${JSON.stringify(dstText)} is not IPv4`);
    }
    src = srcText;
    dst = dstText;
  }
  const sport = v1Port(b, starts[2]!, ends[2]!);
  if (sport < 0) {
    return fail(
      'V1_BAD_PORT',
      `v1 source port ${JSON.stringify(latin1(b, starts[2]!, ends[2]!))} ${portWhy(sport)}`,
    );
  }
  const dport = v1Port(b, starts[3]!, ends[3]!);
  if (dport < 0) {
    return fail(
      'V1_BAD_PORT',
      `v1 destination port ${JSON.stringify(latin1(b, starts[3]!, ends[3]!))} ${portWhy(dport)}`,
    );
  }
  return v1Result(lf + 1, v6 ? 'INET6' : 'INET', 'STREAM', {
    kind: 'ip',
    sourceAddress: src,
    sourcePort: sport,
    destinationAddress: dst,
    destinationPort: dport,
  });
}

function portWhy(code: number): string {
  return code === -2 ? 'has a leading zero' : code === -3 ? 'is above 65535' : 'is not a number';
}

/** A decimal port: -1 not digits, -2 leading zero, -3 too large. */
function v1Port(b: Uint8Array, s: number, e: number): number {
  if (e - s > 5) {
    for (let i = s; i < e; i++) if (b[i]! < 0x30 || b[i]! > 0x39) return -1;
    return b[s] === 0x30 ? -2 : -3;
  }
  let v = 0;
  for (let i = s; i < e; i++) {
    const c = b[i]!;
    if (c < 0x30 || c > 0x39) return -1;
    v = v * 10 + (c - 0x30);
  }
  if (b[s] === 0x30 && e - s > 1) return -2;
  return v > 65535 ? -3 : v;
}

function v1Result(
  length: number,
  family: ProxyFamily,
  transport: ProxyTransport,
  addresses: ProxyHeader['addresses'],
): DecodeResult {
  const header: ProxyHeader = {
    version: 1,
    command: 'PROXY',
    family,
    transport,
    addresses,
    tlvs: [],
  };
  return { status: 'complete', header, length };
}

function latin1(b: Uint8Array, s: number, e: number): string {
  if (e - s > 64) {
    let out = '';
    for (let i = s; i < e; i += 4096) {
      out += String.fromCharCode.apply(
        null,
        b.subarray(i, Math.min(e, i + 4096)) as unknown as number[],
      );
    }
    return out;
  }
  let out = '';
  for (let i = s; i < e; i++) out += String.fromCharCode(b[i]!);
  return out;
}

// ---------------------------------------------------------------- v2

/** Family/transport byte -> [family, transport, address block size]. */
const FAMILIES: Record<number, [ProxyFamily, ProxyTransport, number]> = {
  0: ['UNSPEC', 'UNSPEC', 0],
  17: ['INET', 'STREAM', 12],
  18: ['INET', 'DGRAM', 12],
  33: ['INET6', 'STREAM', 36],
  34: ['INET6', 'DGRAM', 36],
  49: ['UNIX', 'STREAM', 216],
  50: ['UNIX', 'DGRAM', 216],
};

/**
 * `b[s, e)` is well-formed UTF-8 (what a fatal `TextDecoder` accepts: no overlong forms,
 * no surrogates, nothing above U+10FFFF). Allocates nothing.
 */
export function isUtf8(b: Uint8Array, s: number, e: number): boolean {
  let i = s;
  // ASCII four bytes at a time: one test instead of four.
  while (i + 4 <= e && ((b[i]! | b[i + 1]! | b[i + 2]! | b[i + 3]!) & 0x80) === 0) i += 4;
  while (i < e) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    if (c < 0xc2) return false;
    if (c < 0xe0) {
      if (i + 1 >= e || (b[i + 1]! & 0xc0) !== 0x80) return false;
      i += 2;
      continue;
    }
    if (c < 0xf0) {
      if (i + 2 >= e) return false;
      const c1 = b[i + 1]!;
      if (c1 < (c === 0xe0 ? 0xa0 : 0x80) || c1 > (c === 0xed ? 0x9f : 0xbf)) return false;
      if ((b[i + 2]! & 0xc0) !== 0x80) return false;
      i += 3;
      continue;
    }
    if (c < 0xf5) {
      if (i + 3 >= e) return false;
      const c1 = b[i + 1]!;
      if (c1 < (c === 0xf0 ? 0x90 : 0x80) || c1 > (c === 0xf4 ? 0x8f : 0xbf)) return false;
      if ((b[i + 2]! & 0xc0) !== 0x80 || (b[i + 3]! & 0xc0) !== 0x80) return false;
      i += 4;
      continue;
    }
    return false;
  }
  return true;
}

type Latin1Slice = (this: Uint8Array, start: number, end: number) => string;
/** Node's native latin1 copy (what `buffer.toString('latin1')` calls), when present. */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice?: Latin1Slice }).latin1Slice;

/** The header's own copy of `b[s, e)`: one latin1 string (a char per byte). */
function ownCopy(b: Uint8Array, s: number, e: number): string {
  if (latin1Slice !== undefined) return latin1Slice.call(b, s, e);
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1', s, e);
}

const SIGNATURE: Uint8Array = V2_SIGNATURE;

function decodeV2(b: Uint8Array, maxHeaderSize: number): DecodeResult {
  const n = b.length;
  // The whole signature in one expression when it is all there (b[0] is known to be \r):
  // constants, not a second array, so each byte costs one load.
  if (
    n < 13 ||
    b[1] !== 0x0a ||
    b[2] !== 0x0d ||
    b[3] !== 0x0a ||
    b[4] !== 0x00 ||
    b[5] !== 0x0d ||
    b[6] !== 0x0a ||
    b[7] !== 0x51 ||
    b[8] !== 0x55 ||
    b[9] !== 0x49 ||
    b[10] !== 0x54 ||
    b[11] !== 0x0a
  ) {
    // Short, or not the signature: find the byte that differs for the message.
    const pre = Math.min(n, 12);
    for (let i = 1; i < pre; i++) {
      if (b[i] !== SIGNATURE[i]) {
        return fail(
          'NO_SIGNATURE',
          `no PROXY protocol header: byte ${i} is ${hex(b[i]!)}, not the v2 signature's ${hex(SIGNATURE[i]!)}`,
        );
      }
    }
    return INCOMPLETE;
  }
  const verCmd = b[12]!;
  if (verCmd >> 4 !== 2)
    return fail('V2_BAD_VERSION', `v2 version nibble is ${verCmd >> 4}, not 2`);
  const cmd = verCmd & 0x0f;
  if (cmd > 1) {
    return fail('V2_BAD_COMMAND', `v2 command is ${hex(cmd)}: only LOCAL (0) and PROXY (1) exist`);
  }
  if (n < 14) return INCOMPLETE;
  const fam = FAMILIES[b[13]!];
  if (!fam) {
    return fail('V2_BAD_FAMILY', `v2 family/transport byte ${hex(b[13]!)} is not a defined pair`);
  }
  if (n < 16) return INCOMPLETE;
  const len = (b[14]! << 8) | b[15]!;
  const total = 16 + len;
  if (total > maxHeaderSize) {
    return fail(
      'HEADER_TOO_LARGE',
      `v2 header declares ${total} bytes, above the maximum of ${maxHeaderSize}`,
    );
  }
  if (n < total) return INCOMPLETE;
  const command: ProxyCommand = cmd === 1 ? 'PROXY' : 'LOCAL';
  const family = fam[0];
  const transport = fam[1];
  const block = fam[2];
  if (len < block) {
    if (command === 'PROXY') {
      return fail(
        'V2_ADDRESS_TRUNCATED',
        `v2 length ${len} is shorter than the ${block}-byte ${family} address block`,
      );
    }
    // LOCAL: the receiver discards the block; nothing more can be read from it.
    return {
      status: 'complete',
      header: new V2Header(command, family, transport, undefined, ''),
      length: total,
    };
  }
  if (block === 216 && !(unixPathOk(b, 16) && unixPathOk(b, 124))) {
    return fail('V2_BAD_ADDRESS', 'v2 UNIX path is not valid UTF-8');
  }
  // Every check happens here, before the header exists. The addresses are read now; the
  // TLV values later, from the header's own copy of the TLV bytes.
  const start = 16 + block;
  if (start < total) {
    const bad = checkTlvs(b, start, total);
    if (bad) return bad;
  }
  return {
    status: 'complete',
    header: new V2Header(
      command,
      family,
      transport,
      block === 12 ? inetAddresses(b) : block === 0 ? undefined : otherAddresses(b, block),
      start < total ? ownCopy(b, start, total) : '',
    ),
    length: total,
  };
}

/**
 * The last destination address and its text: a listener's connections all name the same
 * destination (the address the sender connected to), so its text is made once.
 */
let lastDestination = -1;
let lastDestinationText = '';

/** The text of the IPv4 destination `v`, made once while it stays the same. */
function destinationText(v: number): string {
  if (v !== lastDestination) {
    lastDestinationText = v4Text(v);
    lastDestination = v;
  }
  return lastDestinationText;
}

/** The INET address block at `b[16, 28)`. */
function inetAddresses(b: Uint8Array): ProxyHeader['addresses'] {
  return {
    kind: 'ip',
    sourceAddress: v4Text(be32(b, 16)),
    sourcePort: (b[24]! << 8) | b[25]!,
    destinationAddress: destinationText(be32(b, 20)),
    destinationPort: (b[26]! << 8) | b[27]!,
  };
}

/** The INET6 (36-byte) or UNIX (216-byte, paths already checked) address block at `b[16]`. */
function otherAddresses(b: Uint8Array, block: number): ProxyHeader['addresses'] {
  if (block === 36) {
    return {
      kind: 'ip',
      sourceAddress: formatIpv6(b, 16),
      sourcePort: (b[48]! << 8) | b[49]!,
      destinationAddress: formatIpv6(b, 32),
      destinationPort: (b[50]! << 8) | b[51]!,
    };
  }
  return { kind: 'unix', sourcePath: unixPath(b, 16), destinationPath: unixPath(b, 124) };
}

/** Where the NUL-padded UNIX path at `b[at, at + 108)` ends. */
function unixPathEnd(b: Uint8Array, at: number): number {
  let e = at;
  while (e < at + 108 && b[e] !== 0) e++;
  return e;
}

/** The UNIX path at `b[at]`, already checked to be UTF-8 (a new string, not a view). */
function unixPath(b: Uint8Array, at: number): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8', at, unixPathEnd(b, at));
}

/** The NUL-padded UNIX path at `b[at, at + 108)` is valid UTF-8. */
function unixPathOk(b: Uint8Array, at: number): boolean {
  return isUtf8(b, at, unixPathEnd(b, at));
}

/**
 * The failure for a TLV at `b[i]` that does not fit in `[i, e)`: fewer than its 3-byte
 * head left, or a value longer than what remains. Offsets in messages count from `base`.
 * Called only once framing has failed, so the walks read each TLV's head once.
 */
function unframed(b: Uint8Array, i: number, e: number, parent: string, base: number): DecodeResult {
  if (e - i < 3) {
    return fail(
      'V2_TLV_TRUNCATED',
      `${parent}: ${e - i} byte(s) left at offset ${i - base}, too few for a TLV (3-byte minimum)`,
    );
  }
  const len = (b[i + 1]! << 8) | b[i + 2]!;
  return fail(
    'V2_TLV_OVERRUN',
    `${parent}: TLV ${hex(b[i]!)} at offset ${i - base} declares ${len} bytes but only ${e - i - 3} remain`,
  );
}

/**
 * Check the TLVs that must fill `b[s, e)` exactly, in one pass: framing, then for the
 * known types sizes, UTF-8, single use, the SSL TLV and its sub-TLVs, and the CRC32C.
 * Allocates nothing unless it fails.
 */
function checkTlvs(b: Uint8Array, s: number, e: number): DecodeResult | undefined {
  let seen = 0; // bitmask over the known single-use types
  let crcAt = -1;
  for (let i = s; i < e; ) {
    const vs = i + 3;
    if (vs > e) return unframed(b, i, e, 'v2 header', 0);
    const type = b[i]!;
    const n = (b[i + 1]! << 8) | b[i + 2]!;
    const ve = vs + n;
    if (ve > e) return unframed(b, i, e, 'v2 header', 0);
    let bit = 0;
    switch (type) {
      case 0x01: // ALPN
        bit = 1;
        break;
      case 0x02: // AUTHORITY
        bit = 2;
        if (!isUtf8(b, vs, ve)) return fail('V2_BAD_TLV', 'AUTHORITY TLV is not valid UTF-8');
        break;
      case 0x03: // CRC32C
        bit = 4;
        if (n !== 4) return fail('V2_BAD_TLV', `CRC32C TLV has ${n} bytes, not 4`);
        crcAt = vs;
        break;
      case 0x05: // UNIQUE_ID
        bit = 8;
        if (n > 128) {
          return fail('V2_BAD_TLV', `UNIQUE_ID TLV has ${n} bytes, above the 128 maximum`);
        }
        break;
      case 0x20: {
        // SSL
        bit = 16;
        const r = checkSsl(b, vs, ve);
        if (r) return r;
        break;
      }
      case 0x30: // NETNS
        bit = 32;
        break;
      case 0xe0: // GCP
        bit = 64;
        if (n !== 8) return fail('V2_BAD_TLV', `GCP TLV has ${n} bytes, not 8`);
        break;
      case 0xea: // AWS
        if (n === 0) return fail('V2_BAD_TLV', 'AWS TLV is empty (no subtype)');
        if (b[vs] === 0x01) bit = 128;
        break;
      case 0xee: // Azure
        if (n === 0) return fail('V2_BAD_TLV', 'Azure TLV is empty (no subtype)');
        if (b[vs] === 0x01) {
          bit = 256;
          if (n !== 5) {
            return fail('V2_BAD_TLV', `Azure LinkID TLV has ${n - 1} value bytes, not 4`);
          }
        }
        break;
      default:
        break; // NOOP and unknown types
    }
    if (bit) {
      if (seen & bit) return fail('V2_DUPLICATE_TLV', `TLV ${hex(type)} appears more than once`);
      seen |= bit;
    }
    i = ve;
  }
  if (crcAt >= 0) {
    const want =
      ((b[crcAt]! << 24) | (b[crcAt + 1]! << 16) | (b[crcAt + 2]! << 8) | b[crcAt + 3]!) >>> 0;
    let c = crc32cUpdate(0xffffffff, b, 0, crcAt);
    c = crc32cZeros(c, 4);
    c = ~crc32cUpdate(c, b, crcAt + 4, e) >>> 0;
    if (c !== want) {
      return fail(
        'V2_BAD_CRC32C',
        `CRC32C mismatch: the header says ${want.toString(16).padStart(8, '0')}, the bytes give ${c.toString(16).padStart(8, '0')}`,
      );
    }
  }
  return undefined;
}

/** The SSL TLV's value `b[s, e)`: client flags, verify, then sub-TLVs filling the rest. */
function checkSsl(b: Uint8Array, s: number, e: number): DecodeResult | undefined {
  if (e - s < 5) return fail('V2_BAD_TLV', `SSL TLV has ${e - s} bytes, fewer than 5`);
  let seen = 0;
  for (let i = s + 5; i < e; ) {
    const vs = i + 3;
    if (vs > e) return unframed(b, i, e, 'SSL TLV', s);
    const type = b[i]!;
    const ve = vs + ((b[i + 1]! << 8) | b[i + 2]!);
    if (ve > e) return unframed(b, i, e, 'SSL TLV', s);
    if (type >= 0x21 && type <= 0x28) {
      // VERSION .. CLIENT_CERT: each at most once
      const bit = 1 << (type - 0x21);
      if (seen & bit) {
        return fail('V2_DUPLICATE_TLV', `SSL sub-TLV ${hex(type)} appears more than once`);
      }
      seen |= bit;
      if (type === 0x22 && !isUtf8(b, vs, ve)) {
        return fail('V2_BAD_TLV', 'SSL CN sub-TLV is not valid UTF-8');
      }
    }
    i = ve;
  }
  return undefined;
}
