/**
 * The PROXY protocol encoder, for tests and for people who write proxies. It throws a
 * TypeError on input that cannot be encoded (the decoder, by contrast, never throws).
 */
import { crc32c } from './crc32c.js';
import { parseIpv4, parseIpv6 } from './ip.js';
import {
  type ProxyCommand,
  type ProxyFamily,
  type ProxyIpAddresses,
  type ProxyTlv,
  type ProxyTransport,
  type ProxyUnixAddresses,
  SslSubtype,
  TlvType,
  V1_MAX_LENGTH,
  V2_SIGNATURE,
} from './types.js';

/**
 * What to encode. A decoded {@link ProxyHeader} is always a valid input. It re-encodes to
 * the same bytes when those bytes were canonical: every v2 header except a LOCAL one
 * whose address block was too short for its family (re-encoded with an empty block), and
 * v1 except TCP6 addresses in non-canonical text (re-encoded in RFC 5952 form) and
 * `PROXY UNKNOWN` followed by ignored fields (re-encoded as `PROXY UNKNOWN\r\n`).
 * Decoding the re-encoded bytes always gives the same header.
 */
export interface ProxyHeaderInit {
  /** 1 (text) or 2 (binary). */
  readonly version: 1 | 2;
  /** Default `PROXY`. v1 cannot express `LOCAL`. */
  readonly command?: ProxyCommand;
  /** Default: from `addresses` (`INET` or `INET6` by address, `UNIX`), else `UNSPEC`. */
  readonly family?: ProxyFamily;
  /** Default `STREAM` when there are addresses, else `UNSPEC`. */
  readonly transport?: ProxyTransport;
  /** The client and destination, or nothing (v1 `UNKNOWN`, v2 `UNSPEC`). */
  readonly addresses?: ProxyIpAddresses | ProxyUnixAddresses | undefined;
  /** v2 only: TLVs, written in order. */
  readonly tlvs?: readonly ProxyTlv[];
}

/** Options of {@link encodeProxyHeader}. */
export interface EncodeOptions {
  /**
   * v2 only: fill in a CRC32C TLV. An existing CRC32C TLV in `tlvs` gets the checksum;
   * without one, a CRC32C TLV is appended.
   */
  readonly crc32c?: boolean;
}

const FAMILY_BITS: Record<ProxyFamily, number> = { UNSPEC: 0, INET: 1, INET6: 2, UNIX: 3 };
const TRANSPORT_BITS: Record<ProxyTransport, number> = { UNSPEC: 0, STREAM: 1, DGRAM: 2 };
const utf8 = new TextEncoder();

function port(p: number, what: string): number {
  if (!Number.isInteger(p) || p < 0 || p > 65535) {
    throw new TypeError(`${what} ${p} is not a port (0..65535)`);
  }
  return p;
}

function familyOf(init: ProxyHeaderInit): ProxyFamily {
  if (init.family) return init.family;
  const a = init.addresses;
  if (!a) return 'UNSPEC';
  if (a.kind === 'unix') return 'UNIX';
  return parseIpv4(a.sourceAddress) ? 'INET' : 'INET6';
}

/** Encode a PROXY protocol header. @throws TypeError on input that cannot be encoded. */
export function encodeProxyHeader(init: ProxyHeaderInit, options?: EncodeOptions): Uint8Array {
  return init.version === 1 ? encodeV1(init) : encodeV2(init, options);
}

function encodeV1(init: ProxyHeaderInit): Uint8Array {
  if (init.command === 'LOCAL') throw new TypeError('PROXY protocol v1 cannot express LOCAL');
  if (init.tlvs && init.tlvs.length > 0) throw new TypeError('PROXY protocol v1 has no TLVs');
  const family = familyOf(init);
  let line: string;
  if (family === 'UNSPEC') {
    line = 'PROXY UNKNOWN\r\n';
  } else {
    const a = init.addresses;
    if (a?.kind !== 'ip' || (family !== 'INET' && family !== 'INET6')) {
      throw new TypeError(`PROXY protocol v1 cannot carry the ${family} family`);
    }
    const v4 = family === 'INET';
    const parse = v4 ? parseIpv4 : parseIpv6;
    if (!parse(a.sourceAddress)) throw new TypeError(`bad ${family} source ${a.sourceAddress}`);
    if (!parse(a.destinationAddress)) {
      throw new TypeError(`bad ${family} destination ${a.destinationAddress}`);
    }
    line = `PROXY ${v4 ? 'TCP4' : 'TCP6'} ${a.sourceAddress} ${a.destinationAddress} ${port(a.sourcePort, 'source port')} ${port(a.destinationPort, 'destination port')}\r\n`;
  }
  if (line.length > V1_MAX_LENGTH) throw new TypeError('PROXY protocol v1 line exceeds 107 bytes');
  const out = new Uint8Array(line.length);
  for (let i = 0; i < line.length; i++) out[i] = line.charCodeAt(i);
  return out;
}

function encodeV2(init: ProxyHeaderInit, options?: EncodeOptions): Uint8Array {
  const command = init.command ?? 'PROXY';
  const family = familyOf(init);
  const transport = init.transport ?? (init.addresses ? 'STREAM' : 'UNSPEC');
  if ((family === 'UNSPEC') !== (transport === 'UNSPEC')) {
    throw new TypeError(`v2 cannot pair family ${family} with transport ${transport}`);
  }
  const a = init.addresses;
  let block: Uint8Array;
  if (family === 'UNSPEC') {
    if (a) throw new TypeError('v2 UNSPEC carries no addresses');
    block = new Uint8Array(0);
  } else if (!a && command === 'LOCAL') {
    // LOCAL addresses mean nothing; a decoded LOCAL header whose block was too short for
    // its family has none, and re-encodes with an empty block (same command, family, TLVs)
    block = new Uint8Array(0);
  } else if (family === 'UNIX') {
    if (a?.kind !== 'unix') throw new TypeError('v2 UNIX needs unix addresses');
    block = new Uint8Array(216);
    block.set(unixPath(a.sourcePath), 0);
    block.set(unixPath(a.destinationPath), 108);
  } else {
    if (a?.kind !== 'ip') throw new TypeError(`v2 ${family} needs ip addresses`);
    const v4 = family === 'INET';
    const size = v4 ? 4 : 16;
    const src = v4 ? parseIpv4(a.sourceAddress) : parseIpv6(a.sourceAddress);
    const dst = v4 ? parseIpv4(a.destinationAddress) : parseIpv6(a.destinationAddress);
    if (!src) throw new TypeError(`bad ${family} source ${a.sourceAddress}`);
    if (!dst) throw new TypeError(`bad ${family} destination ${a.destinationAddress}`);
    block = new Uint8Array(2 * size + 4);
    block.set(src, 0);
    block.set(dst, size);
    const sp = port(a.sourcePort, 'source port');
    const dp = port(a.destinationPort, 'destination port');
    block[2 * size] = sp >>> 8;
    block[2 * size + 1] = sp & 0xff;
    block[2 * size + 2] = dp >>> 8;
    block[2 * size + 3] = dp & 0xff;
  }
  const tlvs = [...(init.tlvs ?? [])];
  let crcIndex = -1;
  if (options?.crc32c) {
    crcIndex = tlvs.findIndex((t) => t.type === TlvType.CRC32C);
    if (crcIndex < 0) {
      crcIndex = tlvs.length;
      tlvs.push({ type: TlvType.CRC32C, value: new Uint8Array(4) });
    } else if (tlvs[crcIndex]!.value.length !== 4) {
      throw new TypeError('the CRC32C TLV must have 4 bytes');
    }
  }
  let tlvBytes = 0;
  for (const t of tlvs) tlvBytes += 3 + checkTlv(t);
  const len = block.length + tlvBytes;
  if (len > 65535) throw new TypeError(`v2 header payload of ${len} bytes exceeds 65535`);
  const out = new Uint8Array(16 + len);
  out.set(V2_SIGNATURE, 0);
  out[12] = 0x20 | (command === 'PROXY' ? 1 : 0);
  out[13] = (FAMILY_BITS[family] << 4) | TRANSPORT_BITS[transport];
  out[14] = len >>> 8;
  out[15] = len & 0xff;
  out.set(block, 16);
  let at = 16 + block.length;
  let crcAt = -1;
  tlvs.forEach((t, k) => {
    out[at] = t.type;
    out[at + 1] = t.value.length >>> 8;
    out[at + 2] = t.value.length & 0xff;
    if (k === crcIndex) crcAt = at + 3;
    else out.set(t.value, at + 3);
    at += 3 + t.value.length;
  });
  if (crcAt >= 0) {
    const c = crc32c(out);
    out[crcAt] = c >>> 24;
    out[crcAt + 1] = (c >>> 16) & 0xff;
    out[crcAt + 2] = (c >>> 8) & 0xff;
    out[crcAt + 3] = c & 0xff;
  }
  return out;
}

function checkTlv(t: ProxyTlv): number {
  if (!Number.isInteger(t.type) || t.type < 0 || t.type > 255) {
    throw new TypeError(`TLV type ${t.type} is not a byte`);
  }
  if (t.value.length > 65535) throw new TypeError(`TLV ${t.type} is longer than 65535 bytes`);
  return t.value.length;
}

function unixPath(path: string): Uint8Array {
  const b = utf8.encode(path);
  if (b.length > 108 || b.includes(0)) {
    throw new TypeError(`unix path ${JSON.stringify(path)} must be at most 108 bytes, no NUL`);
  }
  return b;
}

/** Build one TLV from bytes or text (text is UTF-8 encoded). */
export function tlv(type: number, value: Uint8Array | string): ProxyTlv {
  return { type, value: typeof value === 'string' ? utf8.encode(value) : value };
}

/** What {@link sslTlv} encodes. Text fields become the matching sub-TLVs. */
export interface SslTlvInit {
  /** The client flags ({@link SslClientFlags}). */
  readonly client: number;
  /** 0 when the client certificate was verified. Default 0. */
  readonly verify?: number;
  readonly version?: string;
  readonly commonName?: string;
  readonly cipher?: string;
  readonly signatureAlgorithm?: string;
  readonly keyAlgorithm?: string;
  readonly group?: string;
  readonly signatureScheme?: string;
  readonly clientCertificate?: Uint8Array;
  /** Further raw sub-TLVs, appended after the named ones. */
  readonly tlvs?: readonly ProxyTlv[];
}

/** Build the SSL TLV (0x20) with its sub-TLVs. */
export function sslTlv(init: SslTlvInit): ProxyTlv {
  const subs: ProxyTlv[] = [];
  const add = (type: number, v: string | Uint8Array | undefined) => {
    if (v !== undefined) subs.push(tlv(type, v));
  };
  add(SslSubtype.VERSION, init.version);
  add(SslSubtype.CN, init.commonName);
  add(SslSubtype.CIPHER, init.cipher);
  add(SslSubtype.SIG_ALG, init.signatureAlgorithm);
  add(SslSubtype.KEY_ALG, init.keyAlgorithm);
  add(SslSubtype.GROUP, init.group);
  add(SslSubtype.SIG_SCHEME, init.signatureScheme);
  add(SslSubtype.CLIENT_CERT, init.clientCertificate);
  subs.push(...(init.tlvs ?? []));
  let size = 5;
  for (const s of subs) size += 3 + checkTlv(s);
  const v = new Uint8Array(size);
  v[0] = init.client & 0xff;
  const verify = (init.verify ?? 0) >>> 0;
  v[1] = verify >>> 24;
  v[2] = (verify >>> 16) & 0xff;
  v[3] = (verify >>> 8) & 0xff;
  v[4] = verify & 0xff;
  let at = 5;
  for (const s of subs) {
    v[at] = s.type;
    v[at + 1] = s.value.length >>> 8;
    v[at + 2] = s.value.length & 0xff;
    v.set(s.value, at + 3);
    at += 3 + s.value.length;
  }
  return { type: TlvType.SSL, value: v };
}
