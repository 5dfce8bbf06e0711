/**
 * The malformed-header corpus: every case must be refused, with the expected code, by the
 * decoder and by the listener (which then closes the socket). Shared by
 * malformed.test.ts.
 */
import { crc32c } from '../../src/proxy-protocol/crc32c.js';
import type { ProxyProtocolErrorCode } from '../../src/proxy-protocol/index.js';

export interface MalformedCase {
  readonly name: string;
  readonly bytes: Uint8Array;
  /** The decoder's code, or 'incomplete' when only the end of the stream reveals it. */
  readonly decoder: ProxyProtocolErrorCode | 'incomplete';
}

const enc = new TextEncoder();
const text = (s: string): Uint8Array => enc.encode(s);
const bytes = (...parts: (number[] | Uint8Array | string)[]): Uint8Array => {
  const arrays = parts.map((p) => (typeof p === 'string' ? text(p) : Uint8Array.from(p)));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
};

export const SIG = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];
const INET_BLOCK = [127, 0, 0, 1, 127, 0, 0, 2, 0x30, 0x39, 0x01, 0xbb];

/** A v2 header: signature, version/command, family, then `body`, with its true length unless `len` is given. */
export function v2(
  verCmd: number,
  fam: number,
  body: number[] | Uint8Array,
  len?: number,
): Uint8Array {
  const b = Uint8Array.from(body);
  const l = len ?? b.length;
  return bytes(SIG, [verCmd, fam, l >> 8, l & 0xff], b);
}

const t = (type: number, value: number[] | Uint8Array | string): number[] => {
  const v = typeof value === 'string' ? [...text(value)] : [...value];
  return [type, v.length >> 8, v.length & 0xff, ...v];
};

/** A v2 PROXY INET header with the given TLV bytes, and a CRC32C TLV filled in correctly. */
function withCrc(tlvs: number[]): Uint8Array {
  const h = v2(0x21, 0x11, [...INET_BLOCK, ...tlvs, ...t(0x03, [0, 0, 0, 0])]);
  const c = crc32c(h);
  h.set([c >>> 24, (c >>> 16) & 0xff, (c >>> 8) & 0xff, c & 0xff], h.length - 4);
  return h;
}

const longV1 = `PROXY UNKNOWN ${'x'.repeat(108 - 'PROXY UNKNOWN '.length - 2)}\r\n`;

export const MALFORMED: readonly MalformedCase[] = [
  // -- no header / wrong signature / truncated
  { name: 'empty stream', bytes: new Uint8Array(0), decoder: 'incomplete' },
  {
    name: 'plain HTTP request',
    bytes: text('GET / HTTP/1.1\r\nHost: a\r\n\r\n'),
    decoder: 'NO_SIGNATURE',
  },
  {
    name: 'TLS ClientHello',
    bytes: bytes([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01]),
    decoder: 'NO_SIGNATURE',
  },
  {
    name: 'v1 misspelt PROXX',
    bytes: text('PROXX TCP4 1.2.3.4 5.6.7.8 1 2\r\n'),
    decoder: 'NO_SIGNATURE',
  },
  {
    name: 'v1 lower-case proxy',
    bytes: text('proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n'),
    decoder: 'NO_SIGNATURE',
  },
  { name: 'v1 PROXY without a space', bytes: text('PROXY\r\n'), decoder: 'NO_SIGNATURE' },
  {
    name: 'POST request (shares "P")',
    bytes: text('POST / HTTP/1.1\r\n\r\n'),
    decoder: 'NO_SIGNATURE',
  },
  {
    name: 'v2 signature with a wrong last byte',
    bytes: bytes(SIG.slice(0, 11), [0x0b, 0x21, 0x11, 0, 12], INET_BLOCK),
    decoder: 'NO_SIGNATURE',
  },
  {
    name: 'v2 signature with a wrong NUL byte',
    bytes: bytes(SIG.slice(0, 4), [0x01], SIG.slice(5), [0x21, 0x11, 0, 12], INET_BLOCK),
    decoder: 'NO_SIGNATURE',
  },
  {
    name: 'v2 signature truncated at 8 bytes',
    bytes: bytes(SIG.slice(0, 8)),
    decoder: 'incomplete',
  },
  { name: 'v2 signature only', bytes: bytes(SIG), decoder: 'incomplete' },
  {
    name: 'v2 fixed part truncated at 15 bytes',
    bytes: bytes(SIG, [0x21, 0x11, 0]),
    decoder: 'incomplete',
  },
  { name: 'v1 truncated mid-line', bytes: text('PROXY TCP4 1.2.3.4'), decoder: 'incomplete' },
  { name: 'v1 prefix only', bytes: text('PROX'), decoder: 'incomplete' },
  // -- v1 framing
  { name: 'v1 line of 108 bytes', bytes: text(longV1), decoder: 'V1_TOO_LONG' },
  {
    name: 'v1 200 bytes without CRLF',
    bytes: text(`PROXY TCP4 ${'1'.repeat(189)}`),
    decoder: 'V1_TOO_LONG',
  },
  {
    name: 'v1 LF without CR',
    bytes: text('PROXY TCP4 1.2.3.4 5.6.7.8 80 443\n'),
    decoder: 'V1_MISSING_CRLF',
  },
  {
    name: 'v1 stray CR before CRLF',
    bytes: text('PROXY TCP4 1.2.3.4 5.6.7.8 80 443\r\r\n'),
    decoder: 'V1_BAD_FORMAT',
  },
  {
    name: 'v1 tab separator',
    bytes: text('PROXY TCP4\t1.2.3.4 5.6.7.8 80 443\r\n'),
    decoder: 'V1_BAD_FORMAT',
  },
  {
    name: 'v1 NUL in the line',
    bytes: text('PROXY TCP4 1.2.3.4\u00005.6.7.8 80 443\r\n'),
    decoder: 'V1_BAD_FORMAT',
  },
  {
    name: 'v1 non-ASCII byte',
    bytes: bytes('PROXY TCP4 1.2.3.4 5.6.7.8 80 44', [0xc3], '\r\n'),
    decoder: 'V1_BAD_FORMAT',
  },
  {
    name: 'v1 protocol TCP5',
    bytes: text('PROXY TCP5 1.2.3.4 5.6.7.8 80 443\r\n'),
    decoder: 'V1_BAD_PROTOCOL',
  },
  {
    name: 'v1 protocol UDP4',
    bytes: text('PROXY UDP4 1.2.3.4 5.6.7.8 80 443\r\n'),
    decoder: 'V1_BAD_PROTOCOL',
  },
  {
    name: 'v1 lower-case tcp4',
    bytes: text('PROXY tcp4 1.2.3.4 5.6.7.8 80 443\r\n'),
    decoder: 'V1_BAD_PROTOCOL',
  },
  {
    name: 'v1 double space after PROXY',
    bytes: text('PROXY  TCP4 1.2.3.4 5.6.7.8 80 443\r\n'),
    decoder: 'V1_BAD_PROTOCOL',
  },
  { name: 'v1 empty protocol', bytes: text('PROXY \r\n'), decoder: 'V1_BAD_PROTOCOL' },
  { name: 'v1 TCP4 without addresses', bytes: text('PROXY TCP4\r\n'), decoder: 'V1_BAD_FORMAT' },
  {
    name: 'v1 missing destination port',
    bytes: text('PROXY TCP4 1.2.3.4 5.6.7.8 80\r\n'),
    decoder: 'V1_BAD_FORMAT',
  },
  {
    name: 'v1 extra field',
    bytes: text('PROXY TCP4 1.2.3.4 5.6.7.8 80 443 9\r\n'),
    decoder: 'V1_BAD_FORMAT',
  },
  {
    name: 'v1 double space between fields',
    bytes: text('PROXY TCP4 1.2.3.4  5.6.7.8 80 443\r\n'),
    decoder: 'V1_BAD_FORMAT',
  },
  {
    name: 'v1 trailing space',
    bytes: text('PROXY TCP4 1.2.3.4 5.6.7.8 80 443 \r\n'),
    decoder: 'V1_BAD_FORMAT',
  },
  // -- v1 addresses and ports
  {
    name: 'v1 IPv4 with a leading zero',
    bytes: text('PROXY TCP4 01.2.3.4 5.6.7.8 80 443\r\n'),
    decoder: 'V1_BAD_ADDRESS',
  },
  {
    name: 'v1 IPv4 octet 256',
    bytes: text('PROXY TCP4 1.2.3.4 5.6.7.256 80 443\r\n'),
    decoder: 'V1_BAD_ADDRESS',
  },
  {
    name: 'v1 IPv4 with three octets',
    bytes: text('PROXY TCP4 1.2.3 5.6.7.8 80 443\r\n'),
    decoder: 'V1_BAD_ADDRESS',
  },
  {
    name: 'v1 TCP4 carrying IPv6',
    bytes: text('PROXY TCP4 ::1 5.6.7.8 80 443\r\n'),
    decoder: 'V1_BAD_ADDRESS',
  },
  {
    name: 'v1 TCP6 carrying IPv4',
    bytes: text('PROXY TCP6 1.2.3.4 ::1 80 443\r\n'),
    decoder: 'V1_BAD_ADDRESS',
  },
  {
    name: 'v1 TCP6 with a zone id',
    bytes: text('PROXY TCP6 fe80::1%eth0 ::1 80 443\r\n'),
    decoder: 'V1_BAD_ADDRESS',
  },
  {
    name: 'v1 TCP6 with two "::"',
    bytes: text('PROXY TCP6 1::2::3 ::1 80 443\r\n'),
    decoder: 'V1_BAD_ADDRESS',
  },
  {
    name: 'v1 TCP6 with a host name',
    bytes: text('PROXY TCP6 ::1 example.com 80 443\r\n'),
    decoder: 'V1_BAD_ADDRESS',
  },
  {
    name: 'v1 TCP6 with nine groups',
    bytes: text('PROXY TCP6 1:2:3:4:5:6:7:8:9 ::1 80 443\r\n'),
    decoder: 'V1_BAD_ADDRESS',
  },
  {
    name: 'v1 port with a leading zero',
    bytes: text('PROXY TCP4 1.2.3.4 5.6.7.8 080 443\r\n'),
    decoder: 'V1_BAD_PORT',
  },
  {
    name: 'v1 port 00',
    bytes: text('PROXY TCP4 1.2.3.4 5.6.7.8 80 00\r\n'),
    decoder: 'V1_BAD_PORT',
  },
  {
    name: 'v1 port 65536',
    bytes: text('PROXY TCP4 1.2.3.4 5.6.7.8 65536 443\r\n'),
    decoder: 'V1_BAD_PORT',
  },
  {
    name: 'v1 port of six digits',
    bytes: text('PROXY TCP4 1.2.3.4 5.6.7.8 100000 443\r\n'),
    decoder: 'V1_BAD_PORT',
  },
  {
    name: 'v1 negative port',
    bytes: text('PROXY TCP4 1.2.3.4 5.6.7.8 -1 443\r\n'),
    decoder: 'V1_BAD_PORT',
  },
  {
    name: 'v1 port with letters',
    bytes: text('PROXY TCP4 1.2.3.4 5.6.7.8 80 https\r\n'),
    decoder: 'V1_BAD_PORT',
  },
  // -- v2 fixed part
  { name: 'v2 version 1', bytes: v2(0x11, 0x11, INET_BLOCK), decoder: 'V2_BAD_VERSION' },
  { name: 'v2 version 3', bytes: v2(0x31, 0x11, INET_BLOCK), decoder: 'V2_BAD_VERSION' },
  { name: 'v2 command 2', bytes: v2(0x22, 0x11, INET_BLOCK), decoder: 'V2_BAD_COMMAND' },
  { name: 'v2 command 15', bytes: v2(0x2f, 0x11, INET_BLOCK), decoder: 'V2_BAD_COMMAND' },
  { name: 'v2 family 4', bytes: v2(0x21, 0x41, INET_BLOCK), decoder: 'V2_BAD_FAMILY' },
  { name: 'v2 transport 3', bytes: v2(0x21, 0x13, INET_BLOCK), decoder: 'V2_BAD_FAMILY' },
  { name: 'v2 UNSPEC family with STREAM', bytes: v2(0x21, 0x01, []), decoder: 'V2_BAD_FAMILY' },
  {
    name: 'v2 INET family with UNSPEC transport',
    bytes: v2(0x21, 0x10, INET_BLOCK),
    decoder: 'V2_BAD_FAMILY',
  },
  {
    name: 'v2 length overruns the stream',
    bytes: v2(0x21, 0x11, INET_BLOCK.slice(0, 8), 12),
    decoder: 'incomplete',
  },
  {
    name: 'v2 LOCAL length overruns the stream',
    bytes: v2(0x20, 0x00, [], 40),
    decoder: 'incomplete',
  },
  {
    name: 'v2 length 65535 above the maximum',
    bytes: v2(0x21, 0x11, INET_BLOCK, 65535),
    decoder: 'HEADER_TOO_LARGE',
  },
  {
    name: 'v2 INET block of 8 bytes',
    bytes: v2(0x21, 0x11, INET_BLOCK.slice(0, 8)),
    decoder: 'V2_ADDRESS_TRUNCATED',
  },
  {
    name: 'v2 INET6 block of 12 bytes',
    bytes: v2(0x21, 0x21, INET_BLOCK),
    decoder: 'V2_ADDRESS_TRUNCATED',
  },
  {
    name: 'v2 UNIX block of 36 bytes',
    bytes: v2(0x21, 0x31, new Uint8Array(36)),
    decoder: 'V2_ADDRESS_TRUNCATED',
  },
  {
    name: 'v2 UNIX path not UTF-8',
    bytes: v2(0x21, 0x31, bytes([0xff, 0xfe], new Uint8Array(214))),
    decoder: 'V2_BAD_ADDRESS',
  },
  // -- v2 TLVs
  {
    name: 'TLV with 2 stray bytes',
    bytes: v2(0x21, 0x11, [...INET_BLOCK, 0x04, 0x00]),
    decoder: 'V2_TLV_TRUNCATED',
  },
  {
    name: 'TLV overrunning the header',
    bytes: v2(0x21, 0x11, [...INET_BLOCK, 0x02, 0x00, 0x0a, 0x61, 0x62]),
    decoder: 'V2_TLV_OVERRUN',
  },
  {
    name: 'second TLV overrunning the header',
    bytes: v2(0x21, 0x11, [...INET_BLOCK, ...t(0x04, []), 0x05, 0xff, 0xff]),
    decoder: 'V2_TLV_OVERRUN',
  },
  {
    name: 'SSL sub-TLV overrunning the SSL TLV',
    bytes: v2(0x21, 0x11, [
      ...INET_BLOCK,
      ...t(0x20, [1, 0, 0, 0, 0, 0x21, 0x00, 0x09, 0x54]),
      ...t(0x04, [0, 0, 0, 0, 0, 0, 0, 0]),
    ]),
    decoder: 'V2_TLV_OVERRUN',
  },
  {
    name: 'SSL sub-TLV truncated',
    bytes: v2(0x21, 0x11, [...INET_BLOCK, ...t(0x20, [1, 0, 0, 0, 0, 0x21, 0x00])]),
    decoder: 'V2_TLV_TRUNCATED',
  },
  {
    name: 'SSL TLV shorter than 5 bytes',
    bytes: v2(0x21, 0x11, [...INET_BLOCK, ...t(0x20, [1, 0, 0])]),
    decoder: 'V2_BAD_TLV',
  },
  {
    name: 'SSL duplicate CN sub-TLV',
    bytes: v2(0x21, 0x11, [
      ...INET_BLOCK,
      ...t(0x20, [3, 0, 0, 0, 0, ...t(0x22, 'a'), ...t(0x22, 'b')]),
    ]),
    decoder: 'V2_DUPLICATE_TLV',
  },
  {
    name: 'SSL CN not UTF-8',
    bytes: v2(0x21, 0x11, [...INET_BLOCK, ...t(0x20, [3, 0, 0, 0, 0, ...t(0x22, [0xc3, 0x28])])]),
    decoder: 'V2_BAD_TLV',
  },
  {
    name: 'CRC32C wrong',
    bytes: v2(0x21, 0x11, [...INET_BLOCK, ...t(0x03, [0xde, 0xad, 0xbe, 0xef])]),
    decoder: 'V2_BAD_CRC32C',
  },
  {
    name: 'CRC32C of 3 bytes',
    bytes: v2(0x21, 0x11, [...INET_BLOCK, ...t(0x03, [0, 0, 0])]),
    decoder: 'V2_BAD_TLV',
  },
  {
    name: 'CRC32C right, then a port byte flipped',
    bytes: (() => {
      const h = withCrc(t(0x02, 'app.example.com'));
      h[25] = (h[25] ?? 0) ^ 1;
      return h;
    })(),
    decoder: 'V2_BAD_CRC32C',
  },
  {
    name: 'CRC32C right, then a TLV byte flipped',
    bytes: (() => {
      const h = withCrc(t(0x02, 'app.example.com'));
      h[31] = (h[31] ?? 0) ^ 0x20;
      return h;
    })(),
    decoder: 'V2_BAD_CRC32C',
  },
  {
    name: 'two CRC32C TLVs',
    bytes: v2(0x21, 0x11, [...INET_BLOCK, ...t(0x03, [0, 0, 0, 0]), ...t(0x03, [0, 0, 0, 0])]),
    decoder: 'V2_DUPLICATE_TLV',
  },
  {
    name: 'UNIQUE_ID of 129 bytes',
    bytes: v2(0x21, 0x11, [...INET_BLOCK, ...t(0x05, new Uint8Array(129))]),
    decoder: 'V2_BAD_TLV',
  },
  {
    name: 'two AUTHORITY TLVs',
    bytes: v2(0x21, 0x11, [...INET_BLOCK, ...t(0x02, 'a.example'), ...t(0x02, 'b.example')]),
    decoder: 'V2_DUPLICATE_TLV',
  },
  {
    name: 'AUTHORITY not UTF-8',
    bytes: v2(0x21, 0x11, [...INET_BLOCK, ...t(0x02, [0x61, 0xff])]),
    decoder: 'V2_BAD_TLV',
  },
  {
    name: 'GCP TLV of 7 bytes',
    bytes: v2(0x21, 0x11, [...INET_BLOCK, ...t(0xe0, [1, 2, 3, 4, 5, 6, 7])]),
    decoder: 'V2_BAD_TLV',
  },
  {
    name: 'Azure LinkID of 3 bytes',
    bytes: v2(0x21, 0x11, [...INET_BLOCK, ...t(0xee, [1, 1, 2, 3])]),
    decoder: 'V2_BAD_TLV',
  },
  {
    name: 'AWS TLV without a subtype',
    bytes: v2(0x21, 0x11, [...INET_BLOCK, ...t(0xea, [])]),
    decoder: 'V2_BAD_TLV',
  },
  {
    name: 'two AWS VPC endpoint ids',
    bytes: v2(0x21, 0x11, [...INET_BLOCK, ...t(0xea, '\u0001vpce-1'), ...t(0xea, '\u0001vpce-2')]),
    decoder: 'V2_DUPLICATE_TLV',
  },
];
