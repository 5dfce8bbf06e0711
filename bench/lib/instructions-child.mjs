// One contender of bench/instructions.ts, run under valgrind: build the inputs, warm the
// JIT up, then call the contender `n` times. Plain JavaScript over the built package, so
// that no transpiler runs inside the measured process.
// Usage: node bench/lib/instructions-child.mjs <contender> <case> <n>
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const balena = require('@balena/proxy-protocol-parser');
const { V1BinaryProxyProtocol, V2ProxyProtocol } = require('proxy-protocol-js');
const { decodeProxyHeader, encodeProxyHeader, SslClientFlags, sslTlv, TlvType, tlv } = await import(
  new URL('../../dist/proxy-protocol/index.js', import.meta.url).href
);

const request = Buffer.from('GET / HTTP/1.1\r\nHost: app.example.com\r\n\r\n');
const addresses = {
  kind: 'ip',
  sourceAddress: '203.0.113.7',
  sourcePort: 56324,
  destinationAddress: '10.0.0.5',
  destinationPort: 443,
};
// The TLVs HAProxy sends with `proxy-v2-options ssl,cert-cn,authority,unique-id` (bench/proxy-protocol.ts).
const tlvs = [
  tlv(TlvType.ALPN, 'http/1.1'),
  tlv(TlvType.AUTHORITY, 'app.example.com'),
  tlv(TlvType.UNIQUE_ID, '203.0.113.7:56324_10.0.0.5:443_1700000000_0001'),
  sslTlv({
    client: SslClientFlags.SSL | SslClientFlags.CERT_CONN | SslClientFlags.CERT_SESS,
    version: 'TLSv1.3',
    commonName: 'edge-client-7',
    cipher: 'TLS_AES_256_GCM_SHA384',
    signatureAlgorithm: 'ecdsa-with-SHA256',
    keyAlgorithm: 'EC256',
  }),
];
const v2 = (h, crc32c) => Buffer.concat([Buffer.from(encodeProxyHeader(h, { crc32c })), request]);
/** The inputs, each followed by the start of an HTTP request, as a socket's first chunk. */
export const CASES = {
  v1: Buffer.concat([Buffer.from('PROXY TCP4 203.0.113.7 10.0.0.5 56324 443\r\n'), request]),
  'v2-bare': v2({ version: 2, addresses }, false),
  'v2-tlvs': v2({ version: 2, addresses, tlvs }, false),
  'v2-tlvs-crc32c': v2({ version: 2, addresses, tlvs }, true),
};

/** Each contender decodes the chunk and hands over the client's address as text. */
const CONTENDERS = {
  proxytrust: (b) => {
    const r = decodeProxyHeader(b);
    return r.status === 'complete' ? r.header.addresses?.sourceAddress : undefined;
  },
  'proxy-protocol-js': (b) =>
    b[0] === 0x50
      ? V1BinaryProxyProtocol.parse(b).source.ipAddress
      : V2ProxyProtocol.parse(b).proxyAddress.sourceAddress.address.join('.'),
  '@balena': (b) => (b[0] === 0x50 ? balena.decode(b) : balena.v2_decode(b))?.remoteAddress,
};

const [name, which, count] = process.argv.slice(2);
const fn = CONTENDERS[name];
const input = CASES[which];
if (fn === undefined || input === undefined || !(Number(count) >= 0)) {
  console.error(
    `usage: instructions-child.mjs <${Object.keys(CONTENDERS).join('|')}> <${Object.keys(CASES).join('|')}> <n>`,
  );
  process.exit(2);
}
if (fn(input) !== '203.0.113.7') {
  console.error(`${name} read ${fn(input)} from ${which}, not 203.0.113.7`);
  process.exit(1);
}
let sink;
for (let i = 0; i < 20_000; i++) sink = fn(input);
for (let i = 0, n = Number(count); i < n; i++) sink = fn(input);
if (sink !== '203.0.113.7') process.exit(1);
