/** Valid headers: every form of v1 and v2, every TLV, and the encoder. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  crc32c,
  decodeProxyHeader,
  encodeProxyHeader,
  type ProxyHeader,
  SslClientFlags,
  sslTlv,
  TlvType,
  tlv,
} from '../../src/proxy-protocol/index.js';
import { SIG, v2 } from './corpus.js';

const text = (s: string) => new TextEncoder().encode(s);

function ok(bytes: Uint8Array): { header: ProxyHeader; length: number } {
  const r = decodeProxyHeader(bytes);
  if (r.status !== 'complete') {
    assert.fail(r.status === 'invalid' ? `${r.error.code}: ${r.error.message}` : 'incomplete');
  }
  return r;
}

test('crc32c matches the standard check value and RFC 3720 vectors', () => {
  assert.equal(crc32c(text('123456789')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e);
  assert.equal(crc32c(new Uint8Array(0)), 0);
  assert.equal(crc32c(text('xx123456789yy'), 2, 11), 0xe3069283);
});

test('v1 TCP4 with the application bytes after it', () => {
  const r = ok(text('PROXY TCP4 192.0.2.7 10.0.0.5 56324 443\r\nGET / HTTP/1.1\r\n'));
  assert.equal(r.length, 41);
  assert.deepEqual(r.header, {
    version: 1,
    command: 'PROXY',
    family: 'INET',
    transport: 'STREAM',
    addresses: {
      kind: 'ip',
      sourceAddress: '192.0.2.7',
      sourcePort: 56324,
      destinationAddress: '10.0.0.5',
      destinationPort: 443,
    },
    tlvs: [],
  });
});

test('v1 TCP6 is canonicalised (RFC 5952) and mapped IPv4 is kept dotted', () => {
  const r = ok(text('PROXY TCP6 2001:DB8:0:0:0:0:0:1 ::FFFF:10.0.0.1 0 65535\r\n'));
  assert.deepEqual(r.header.addresses, {
    kind: 'ip',
    sourceAddress: '2001:db8::1',
    sourcePort: 0,
    destinationAddress: '::ffff:10.0.0.1',
    destinationPort: 65535,
  });
  assert.equal(r.header.family, 'INET6');
});

test('v1 UNKNOWN, bare and with ignored addresses', () => {
  const bare = ok(text('PROXY UNKNOWN\r\n'));
  assert.equal(bare.length, 15);
  assert.equal(bare.header.family, 'UNSPEC');
  assert.equal(bare.header.addresses, undefined);
  const full = ok(text('PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n'));
  assert.equal(full.header.addresses, undefined);
});

test('v1 worst case of exactly 107 bytes is accepted', () => {
  const line = `PROXY UNKNOWN ${'ffff:'.repeat(7)}ffff ${'ffff:'.repeat(7)}ffff 65535 65535\r\n`;
  assert.equal(line.length, 107);
  assert.equal(ok(text(line)).length, 107);
  const tcp6 = `PROXY TCP6 ${'ffff:'.repeat(7)}ffff ${'ffff:'.repeat(7)}ffff 65535 65535\r\n`;
  assert.equal(ok(text(tcp6)).header.addresses?.kind, 'ip');
});

test('v2 LOCAL with UNSPEC and no payload (HAProxy health checks)', () => {
  const r = ok(v2(0x20, 0x00, []));
  assert.equal(r.length, 16);
  assert.equal(r.header.command, 'LOCAL');
  assert.equal(r.header.family, 'UNSPEC');
  assert.equal(r.header.addresses, undefined);
});

test('v2 LOCAL with TCPv4 family and dummy addresses (AWS NLB health checks)', () => {
  const r = ok(v2(0x20, 0x11, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
  assert.equal(r.header.command, 'LOCAL');
  assert.equal(r.header.family, 'INET');
  assert.equal(r.length, 28);
  // the addresses are decoded but are the sender's dummies, not a client's
  assert.equal(r.header.addresses?.kind, 'ip');
});

test('v2 LOCAL with a family but no room for addresses is accepted and framed by length', () => {
  const r = ok(new Uint8Array([...v2(0x20, 0x11, [1, 2, 3]), 0x47]));
  assert.equal(r.length, 19);
  assert.equal(r.header.addresses, undefined);
  assert.equal(r.header.command, 'LOCAL');
});

test('v2 framing goes strictly by the length field', () => {
  const h = v2(0x21, 0x11, [192, 0, 2, 1, 10, 0, 0, 1, 0x1f, 0x90, 0x00, 0x50, ...[4, 0, 2, 0, 0]]);
  const r = ok(new Uint8Array([...h, 0x47, 0x45, 0x54]));
  assert.equal(r.length, h.length);
  assert.deepEqual(r.header.addresses, {
    kind: 'ip',
    sourceAddress: '192.0.2.1',
    sourcePort: 8080,
    destinationAddress: '10.0.0.1',
    destinationPort: 80,
  });
  assert.deepEqual(
    r.header.tlvs.map((x) => [x.type, [...x.value]]),
    [[4, [0, 0]]],
  );
});

test('v2 INET6, DGRAM and UNIX', () => {
  const six = new Uint8Array(36);
  six[15] = 1; // ::1
  six[16] = 0x20;
  six[17] = 0x01;
  six[18] = 0x0d;
  six[19] = 0xb8; // 2001:db8::
  six[32] = 0x01;
  six[35] = 0x02;
  const r6 = ok(v2(0x21, 0x22, six));
  assert.equal(r6.header.transport, 'DGRAM');
  assert.deepEqual(r6.header.addresses, {
    kind: 'ip',
    sourceAddress: '::1',
    sourcePort: 256,
    destinationAddress: '2001:db8::',
    destinationPort: 2,
  });
  const unix = new Uint8Array(216);
  unix.set(text('/run/a.sock'), 0);
  unix.set(text('/run/b.sock'), 108);
  const ru = ok(v2(0x21, 0x31, unix));
  assert.deepEqual(ru.header.addresses, {
    kind: 'unix',
    sourcePath: '/run/a.sock',
    destinationPath: '/run/b.sock',
  });
});

test('every TLV is decoded; unknown TLVs are kept raw', () => {
  const cert = Uint8Array.of(0x30, 0x82, 0x01, 0x0a);
  const bytes = encodeProxyHeader(
    {
      version: 2,
      addresses: {
        kind: 'ip',
        sourceAddress: '203.0.113.9',
        sourcePort: 40000,
        destinationAddress: '10.1.2.3',
        destinationPort: 443,
      },
      tlvs: [
        tlv(TlvType.ALPN, 'h2'),
        tlv(TlvType.AUTHORITY, 'app.example.com'),
        tlv(TlvType.NOOP, new Uint8Array(3)),
        tlv(
          TlvType.UNIQUE_ID,
          Uint8Array.from({ length: 128 }, (_, i) => i),
        ),
        sslTlv({
          client: SslClientFlags.SSL | SslClientFlags.CERT_CONN | SslClientFlags.CERT_SESS,
          verify: 0,
          version: 'TLSv1.3',
          commonName: 'proxy-client-é',
          cipher: 'TLS_AES_256_GCM_SHA384',
          signatureAlgorithm: 'SHA256',
          keyAlgorithm: 'RSA2048',
          group: 'X25519',
          signatureScheme: 'rsa_pss_rsae_sha256',
          clientCertificate: cert,
          tlvs: [tlv(0x2f, 'future')],
        }),
        tlv(TlvType.NETNS, 'blue'),
        tlv(TlvType.GCP, Uint8Array.of(0, 0, 0, 1, 0, 0, 0, 2)),
        tlv(TlvType.AWS, '\u0001vpce-08d2bf15fac5001c9'),
        tlv(TlvType.AZURE, Uint8Array.of(1, 0x78, 0x56, 0x34, 0x12)),
        tlv(0xf0, 'private'),
        tlv(0xea, '\u0002other-aws-subtype'),
      ],
    },
    { crc32c: true },
  );
  const h = ok(bytes).header;
  assert.equal(h.alpn, 'h2');
  assert.equal(h.authority, 'app.example.com');
  assert.equal(h.uniqueId?.length, 128);
  assert.equal(h.uniqueId?.[127], 127);
  assert.equal(h.netns, 'blue');
  assert.equal(h.gcpPscConnectionId, (1n << 32n) | 2n);
  assert.equal(h.awsVpcEndpointId, 'vpce-08d2bf15fac5001c9');
  assert.equal(h.azureLinkId, 0x12345678);
  assert.equal(typeof h.crc32c, 'number');
  const ssl = h.ssl!;
  assert.equal(ssl.client, 7);
  assert.equal(ssl.clientSsl, true);
  assert.equal(ssl.clientCertConnection, true);
  assert.equal(ssl.clientCertSession, true);
  assert.equal(ssl.verified, true);
  assert.equal(ssl.version, 'TLSv1.3');
  assert.equal(ssl.commonName, 'proxy-client-é');
  assert.equal(ssl.cipher, 'TLS_AES_256_GCM_SHA384');
  assert.equal(ssl.signatureAlgorithm, 'SHA256');
  assert.equal(ssl.keyAlgorithm, 'RSA2048');
  assert.equal(ssl.group, 'X25519');
  assert.equal(ssl.signatureScheme, 'rsa_pss_rsae_sha256');
  assert.deepEqual([...ssl.clientCertificate!], [...cert]);
  assert.deepEqual(
    ssl.tlvs.map((x) => x.type),
    [0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x2f],
  );
  assert.deepEqual(
    h.tlvs.map((x) => x.type),
    [0x01, 0x02, 0x04, 0x05, 0x20, 0x30, 0xe0, 0xea, 0xee, 0xf0, 0xea, 0x03],
  );
  assert.equal(new TextDecoder().decode(h.tlvs[9]!.value), 'private');
});

test('SSL TLV with a failed verification and no client certificate', () => {
  const h = ok(
    encodeProxyHeader({
      version: 2,
      addresses: {
        kind: 'ip',
        sourceAddress: '1.2.3.4',
        sourcePort: 1,
        destinationAddress: '5.6.7.8',
        destinationPort: 2,
      },
      tlvs: [sslTlv({ client: SslClientFlags.SSL, verify: 1 })],
    }),
  ).header;
  assert.equal(h.ssl?.clientSsl, true);
  assert.equal(h.ssl?.clientCertConnection, false);
  assert.equal(h.ssl?.verify, 1);
  assert.equal(h.ssl?.verified, false);
});

test('PROXY with UNSPEC family carries TLVs but no addresses', () => {
  const h = ok(v2(0x21, 0x00, [0x02, 0, 3, 0x61, 0x62, 0x63])).header;
  assert.equal(h.command, 'PROXY');
  assert.equal(h.addresses, undefined);
  assert.equal(h.authority, 'abc');
});

test('a CRC32C TLV is verified (a known-good header from the spec layout)', () => {
  const h = encodeProxyHeader({ version: 2, command: 'LOCAL' }, { crc32c: true });
  assert.deepEqual([...h.subarray(0, 12)], SIG);
  const r = ok(h);
  assert.equal(
    r.header.crc32c,
    crc32c(new Uint8Array([...h.subarray(0, h.length - 4), 0, 0, 0, 0])),
  );
});

test('maxHeaderSize bounds v2 by its declared length and v1 by the cap', () => {
  const big = encodeProxyHeader({ version: 2, tlvs: [tlv(TlvType.NOOP, new Uint8Array(100))] });
  const r = decodeProxyHeader(big, { maxHeaderSize: 64 });
  assert.equal(r.status, 'invalid');
  if (r.status === 'invalid') assert.equal(r.error.code, 'HEADER_TOO_LARGE');
  const v1 = decodeProxyHeader(text('PROXY TCP4 1.2.3.4 5.6.7.8 80 443\r\n'), {
    maxHeaderSize: 20,
  });
  assert.equal(v1.status, 'invalid');
  if (v1.status === 'invalid') assert.equal(v1.error.code, 'HEADER_TOO_LARGE');
});

test('the encoder refuses what cannot be encoded', () => {
  const ip = {
    kind: 'ip',
    sourceAddress: '1.2.3.4',
    sourcePort: 1,
    destinationAddress: '5.6.7.8',
    destinationPort: 2,
  } as const;
  assert.throws(() => encodeProxyHeader({ version: 1, command: 'LOCAL' }), /LOCAL/);
  assert.throws(
    () => encodeProxyHeader({ version: 1, addresses: ip, tlvs: [tlv(1, 'h2')] }),
    /TLV/,
  );
  assert.throws(
    () => encodeProxyHeader({ version: 1, addresses: { ...ip, sourcePort: 70000 } }),
    /port/,
  );
  assert.throws(
    () => encodeProxyHeader({ version: 2, addresses: { ...ip, sourceAddress: '1.2.3' } }),
    /source/,
  );
  assert.throws(() => encodeProxyHeader({ version: 2, family: 'INET6', addresses: ip }), /source/);
  assert.throws(() => encodeProxyHeader({ version: 2, tlvs: [tlv(0x100, 'x')] }), /byte/);
  assert.throws(
    () => encodeProxyHeader({ version: 2, tlvs: [tlv(1, new Uint8Array(65536))] }),
    /65535/,
  );
  assert.throws(
    () =>
      encodeProxyHeader({
        version: 2,
        addresses: { kind: 'unix', sourcePath: 'x'.repeat(109), destinationPath: '' },
      }),
    /108/,
  );
  assert.deepEqual(
    new TextDecoder().decode(encodeProxyHeader({ version: 1 })),
    'PROXY UNKNOWN\r\n',
  );
});

test('v2 INET destinations: each header gets its own (the last destination text is reused only for the same address)', () => {
  const header = (destinationAddress: string) =>
    encodeProxyHeader({
      version: 2,
      addresses: {
        kind: 'ip',
        sourceAddress: '203.0.113.7',
        sourcePort: 1,
        destinationAddress,
        destinationPort: 443,
      },
    });
  const order = [
    '10.0.0.5',
    '10.0.0.5',
    '10.0.0.6',
    '10.0.0.5',
    '0.0.0.0',
    '255.255.255.255',
    '10.0.0.6',
  ];
  for (const d of order) {
    const a = ok(header(d)).header.addresses;
    assert.equal(a?.kind === 'ip' ? a.destinationAddress : undefined, d);
  }
});
