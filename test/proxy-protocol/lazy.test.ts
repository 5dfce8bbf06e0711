/**
 * v2 headers are checked in full at decode time but build their TLV values on first
 * read, from the header's own copy of the TLV bytes: the decoded header never keeps the
 * input buffer (a socket chunk) alive, and later writes to that buffer cannot reach it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { isUtf8 } from '../../src/proxy-protocol/decode.js';
import {
  decodeProxyHeader,
  encodeProxyHeader,
  type ProxyHeader,
  ProxyHeaderDecoder,
  SslClientFlags,
  sslTlv,
  TlvType,
  tlv,
} from '../../src/proxy-protocol/index.js';

const addresses = {
  kind: 'ip',
  sourceAddress: '203.0.113.7',
  sourcePort: 56324,
  destinationAddress: '10.0.0.5',
  destinationPort: 443,
} as const;

function header(authority = 'app.example.com'): Uint8Array {
  return encodeProxyHeader(
    {
      version: 2,
      addresses,
      tlvs: [
        tlv(TlvType.ALPN, 'h2'),
        tlv(TlvType.AUTHORITY, authority),
        tlv(TlvType.UNIQUE_ID, 'conn-0001'),
        sslTlv({
          client: SslClientFlags.SSL | SslClientFlags.CERT_CONN,
          version: 'TLSv1.3',
          commonName: 'edge-é',
          clientCertificate: Uint8Array.of(0x30, 0x82, 0x01, 0x0a),
        }),
        tlv(0xf1, 'opaque'),
      ],
    },
    { crc32c: true },
  );
}

function decode(bytes: Uint8Array): ProxyHeader {
  const r = decodeProxyHeader(bytes);
  if (r.status !== 'complete') assert.fail(`not complete: ${r.status}`);
  return r.header;
}

test('TLV values do not point into the decoded buffer, and writes to it do not reach them', () => {
  const chunk = Buffer.concat([header(), Buffer.alloc(4096, 0x41)]); // a socket chunk
  const h = decode(chunk);
  for (const t of h.tlvs) assert.notEqual(t.value.buffer, chunk.buffer);
  assert.notEqual(h.uniqueId!.buffer, chunk.buffer);
  assert.notEqual(h.ssl!.clientCertificate!.buffer, chunk.buffer);
  // the whole TLV region is one small dedicated buffer, not the chunk
  assert.ok(h.tlvs[0]!.value.buffer.byteLength < 200);
  const before = JSON.stringify(h);
  chunk.fill(0xff); // the caller reuses its chunk
  const fresh = decode(header());
  assert.equal(JSON.stringify(h), before);
  assert.equal(h.authority, 'app.example.com');
  assert.equal(h.ssl?.commonName, 'edge-é');
  assert.deepEqual([...h.uniqueId!], [...new TextEncoder().encode('conn-0001')]);
  assert.deepEqual(h, fresh);
});

test("addresses are read from the header's own copy too: writes to the chunk before the first read do not reach them", () => {
  const cases = [
    addresses,
    {
      kind: 'ip',
      sourceAddress: '2001:db8::7',
      sourcePort: 1,
      destinationAddress: '::ffff:10.0.0.5',
      destinationPort: 65535,
    },
    { kind: 'unix', sourcePath: '/run/edge-é.sock', destinationPath: '/run/app.sock' },
  ] as const;
  for (const a of cases) {
    const chunk = Buffer.from(encodeProxyHeader({ version: 2, addresses: a }));
    const h = decode(chunk);
    chunk.fill(0xff); // nothing was read yet
    assert.deepEqual(h.addresses, a);
  }
});

test('headers that differ only in an address are not deep-equal (the copy holds the address block)', () => {
  const other = { ...addresses, sourceAddress: '203.0.113.8' };
  const a = decode(encodeProxyHeader({ version: 2, addresses }));
  const b = decode(encodeProxyHeader({ version: 2, addresses: other }));
  const c = decode(encodeProxyHeader({ version: 2, addresses: { ...addresses } }));
  assert.notDeepEqual(a, b);
  assert.deepEqual(a, c);
  assert.deepEqual(
    { ...a.addresses },
    addresses,
    'addresses is a plain object: spreading keeps every field',
  );
});

test('a header read before and after its TLVs are materialised is the same', () => {
  const bytes = header();
  const a = decode(bytes);
  const b = decode(bytes);
  void a.ssl?.cipher; // materialise some of a, none of b
  void a.tlvs;
  assert.deepEqual(a, b);
  assert.equal(a.tlvs, a.tlvs, 'tlvs is built once');
  assert.equal(a.ssl, a.ssl, 'ssl is built once');
  assert.deepEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));
});

test('headers that differ only in a TLV are not deep-equal; JSON and inspect show every field', () => {
  const a = decode(header('a.example.com'));
  const b = decode(header('b.example.com'));
  assert.notDeepEqual(a, b);
  const json = JSON.parse(JSON.stringify(a));
  assert.equal(json.alpn, 'h2');
  assert.equal(json.authority, 'a.example.com');
  assert.equal(typeof json.crc32c, 'number');
  assert.equal(json.ssl.commonName, 'edge-é');
  assert.equal(json.ssl.version, 'TLSv1.3');
  assert.equal(json.ssl.clientSsl, true);
  assert.equal(json.tlvs.length, 6);
  assert.equal('netns' in json, false, 'absent TLVs are absent');
  assert.match(inspect(a), /authority: 'a\.example\.com'/);
  assert.match(inspect(a), /commonName: 'edge-é'/);
});

test('the incremental decoder hands out headers that own their bytes too', () => {
  const bytes = Buffer.from(header());
  const d = new ProxyHeaderDecoder();
  const r = d.push(bytes);
  assert.equal(r.status, 'complete');
  bytes.fill(0);
  assert.equal(d.header?.authority, 'app.example.com');
  assert.equal(d.header?.ssl?.version, 'TLSv1.3');
});

test('isUtf8 agrees with a fatal TextDecoder on any bytes', () => {
  const fatal = new TextDecoder('utf-8', { fatal: true });
  const valid = (b: Uint8Array) => {
    try {
      fatal.decode(b);
      return true;
    } catch {
      return false;
    }
  };
  const nearUtf8 = fc.oneof(
    fc.uint8Array({ maxLength: 12 }),
    fc.string({ unit: 'binary', maxLength: 6 }).map((s) => new TextEncoder().encode(s)),
    fc
      .array(
        fc.constantFrom(
          0x00,
          0x7f,
          0x80,
          0x8f,
          0x90,
          0x9f,
          0xa0,
          0xbf,
          0xc0,
          0xc1,
          0xc2,
          0xdf,
          0xe0,
          0xed,
          0xef,
          0xf0,
          0xf4,
          0xf5,
          0xff,
        ),
        { maxLength: 8 },
      )
      .map((a) => Uint8Array.from(a)),
  );
  fc.assert(
    fc.property(nearUtf8, (b) => {
      assert.equal(isUtf8(b, 0, b.length), valid(b), `bytes ${[...b].join(',')}`);
    }),
    { numRuns: 5000 },
  );
  // A range inside other bytes, starting with an ASCII run of any length (the four-at-a-time
  // path) and padded with bytes that are not UTF-8, so a read past either end shows.
  const ascii = fc.uint8Array({ max: 0x7f, maxLength: 10 });
  fc.assert(
    fc.property(ascii, nearUtf8, fc.uint8Array({ maxLength: 3 }), (run, tail, pad) => {
      const mid = Uint8Array.from([...run, ...tail]);
      const all = Uint8Array.from([...pad, ...mid, 0xff, 0x80, 0xc3]);
      const s = pad.length;
      assert.equal(isUtf8(all, s, s + mid.length), valid(mid), `bytes ${[...mid].join(',')}`);
    }),
    { numRuns: 5000 },
  );
  // surrogates, overlongs and code points above U+10FFFF are refused
  for (const bad of [
    [0xed, 0xa0, 0x80],
    [0xc0, 0x80],
    [0xe0, 0x80, 0x80],
    [0xf4, 0x90, 0x80, 0x80],
  ]) {
    assert.equal(isUtf8(Uint8Array.from(bad), 0, bad.length), false, bad.join(','));
  }
});

test('a non-UTF-8 AUTHORITY or CN is still refused at decode time', () => {
  const badAuthority = encodeProxyHeader({
    version: 2,
    addresses,
    tlvs: [tlv(TlvType.AUTHORITY, Uint8Array.of(0x61, 0xc3, 0x28))],
  });
  const r1 = decodeProxyHeader(badAuthority);
  assert.equal(r1.status === 'invalid' && r1.error.code, 'V2_BAD_TLV');
  const badCn = encodeProxyHeader({
    version: 2,
    addresses,
    tlvs: [sslTlv({ client: 1, tlvs: [tlv(0x22, Uint8Array.of(0xed, 0xa0, 0x80))] })],
  });
  const r2 = decodeProxyHeader(badCn);
  assert.equal(r2.status === 'invalid' && r2.error.code, 'V2_BAD_TLV');
});
