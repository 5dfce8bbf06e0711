/**
 * Properties of the codec: encode then decode is the identity, no input throws, and
 * chunking never changes the answer.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeV1General } from '../../src/proxy-protocol/decode.js';
import {
  type DecodeResult,
  decodeProxyHeader,
  encodeProxyHeader,
  ProxyHeaderDecoder,
  type ProxyHeaderInit,
  type ProxyTlv,
  sslTlv,
  TlvType,
  tlv,
} from '../../src/proxy-protocol/index.js';
import { MALFORMED } from './corpus.js';

const ipv4 = fc.ipV4();
const ipv6 = fc.ipV6();
const port = fc.integer({ min: 0, max: 65535 });
const ascii = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789.-_/'.split('')),
  maxLength: 40,
});

const knownTlv: fc.Arbitrary<ProxyTlv> = fc.oneof(
  ascii.map((s) => tlv(TlvType.ALPN, s)),
  fc.string({ maxLength: 30 }).map((s) => tlv(TlvType.AUTHORITY, s)),
  fc.uint8Array({ maxLength: 20 }).map((v) => tlv(TlvType.NOOP, v)),
  fc.uint8Array({ maxLength: 128 }).map((v) => tlv(TlvType.UNIQUE_ID, v)),
  ascii.map((s) => tlv(TlvType.NETNS, s)),
  fc.uint8Array({ minLength: 8, maxLength: 8 }).map((v) => tlv(TlvType.GCP, v)),
  ascii.map((s) => tlv(TlvType.AWS, `\u0001${s}`)),
  fc
    .uint8Array({ minLength: 4, maxLength: 4 })
    .map((v) => tlv(TlvType.AZURE, Uint8Array.of(1, ...v))),
  fc
    .record(
      {
        client: fc.integer({ min: 0, max: 7 }),
        verify: fc.nat(),
        version: ascii,
        commonName: fc.string({ maxLength: 20 }),
        cipher: ascii,
        signatureAlgorithm: ascii,
        keyAlgorithm: ascii,
        group: ascii,
        signatureScheme: ascii,
        clientCertificate: fc.uint8Array({ maxLength: 64 }),
      },
      { requiredKeys: ['client'] },
    )
    .map((init) => sslTlv(init)),
);
const unknownTlv: fc.Arbitrary<ProxyTlv> = fc
  .record({
    type: fc
      .integer({ min: 0, max: 255 })
      .filter((t) => t >= 0x06 && t !== 0x20 && t !== 0x30 && t < 0xe0),
    value: fc.uint8Array({ maxLength: 40 }),
  })
  .map(({ type, value }) => tlv(type, value));

/** TLV lists without duplicates of the single-use known types. */
const tlvList = fc.array(fc.oneof(knownTlv, unknownTlv), { maxLength: 8 }).map((list) => {
  const seen = new Set<number>();
  return list.filter((t) => {
    if (
      t.type === TlvType.NOOP ||
      (t.type >= 0x06 && t.type !== 0x20 && t.type !== 0x30 && t.type < 0xe0)
    )
      return true;
    if (seen.has(t.type)) return false;
    seen.add(t.type);
    return true;
  });
});

const v2Init: fc.Arbitrary<ProxyHeaderInit> = fc.oneof(
  fc.record({
    version: fc.constant(2 as const),
    command: fc.constantFrom('PROXY' as const, 'LOCAL' as const),
    transport: fc.constantFrom('STREAM' as const, 'DGRAM' as const),
    addresses: fc.oneof(
      fc.record({
        kind: fc.constant('ip' as const),
        sourceAddress: ipv4,
        sourcePort: port,
        destinationAddress: ipv4,
        destinationPort: port,
      }),
      fc.record({
        kind: fc.constant('ip' as const),
        sourceAddress: ipv6,
        sourcePort: port,
        destinationAddress: ipv6,
        destinationPort: port,
      }),
      fc.record({ kind: fc.constant('unix' as const), sourcePath: ascii, destinationPath: ascii }),
    ),
    tlvs: tlvList,
  }),
  fc.record({
    version: fc.constant(2 as const),
    command: fc.constantFrom('PROXY' as const, 'LOCAL' as const),
    tlvs: tlvList,
  }),
);
const v1Init: fc.Arbitrary<ProxyHeaderInit> = fc.oneof(
  fc.record({
    version: fc.constant(1 as const),
    addresses: fc.oneof(
      fc.record({
        kind: fc.constant('ip' as const),
        sourceAddress: ipv4,
        sourcePort: port,
        destinationAddress: ipv4,
        destinationPort: port,
      }),
      fc.record({
        kind: fc.constant('ip' as const),
        sourceAddress: ipv6,
        sourcePort: port,
        destinationAddress: ipv6,
        destinationPort: port,
      }),
    ),
  }),
  fc.constant({ version: 1 as const }),
);

/** Comparable form of a result (Uint8Array views become plain arrays). */
function plain(r: DecodeResult): unknown {
  if (r.status === 'invalid')
    return { status: r.status, code: r.error.code, message: r.error.message };
  return JSON.parse(
    JSON.stringify(r, (_k, v) =>
      v instanceof Uint8Array ? [...v] : typeof v === 'bigint' ? `${v}n` : v,
    ),
  );
}

function canonicalAddress(a: string): string {
  const r = decodeProxyHeader(
    encodeProxyHeader({
      version: 2,
      addresses: {
        kind: 'ip',
        sourceAddress: a,
        sourcePort: 1,
        destinationAddress: a,
        destinationPort: 1,
      },
    }),
  );
  return r.status === 'complete' && r.header.addresses?.kind === 'ip'
    ? r.header.addresses.sourceAddress
    : '?';
}

test('encode then decode is the identity (v2, every TLV, with and without CRC32C)', () => {
  fc.assert(
    fc.property(v2Init, fc.boolean(), (init, withCrc) => {
      const bytes = encodeProxyHeader(init, { crc32c: withCrc });
      const r = decodeProxyHeader(bytes, { maxHeaderSize: 65551 });
      assert.equal(r.status, 'complete', r.status === 'invalid' ? r.error.message : '');
      if (r.status !== 'complete') return;
      assert.equal(r.length, bytes.length);
      const h = r.header;
      assert.equal(h.version, 2);
      assert.equal(h.command, init.command);
      if (init.addresses?.kind === 'ip') {
        assert.equal(h.addresses?.kind, 'ip');
        if (h.addresses?.kind === 'ip') {
          assert.equal(h.addresses.sourceAddress, canonicalAddress(init.addresses.sourceAddress));
          assert.equal(h.addresses.sourcePort, init.addresses.sourcePort);
          assert.equal(h.addresses.destinationPort, init.addresses.destinationPort);
        }
      } else {
        assert.deepEqual(h.addresses, init.addresses ? { ...init.addresses } : undefined);
      }
      const expected = [...(init.tlvs ?? [])];
      const got = withCrc ? h.tlvs.slice(0, -1) : h.tlvs;
      assert.deepEqual(
        got.map((x) => [x.type, [...x.value]]),
        expected.map((x) => [x.type, [...x.value]]),
      );
      // re-encoding the decoded header gives the same bytes
      assert.deepEqual([...encodeProxyHeader(h)], [...bytes]);
    }),
    { numRuns: 500 },
  );
});

test('encode then decode is the identity (v1)', () => {
  fc.assert(
    fc.property(v1Init, (init) => {
      const bytes = encodeProxyHeader(init);
      const r = decodeProxyHeader(bytes);
      assert.equal(r.status, 'complete', r.status === 'invalid' ? r.error.message : '');
      if (r.status !== 'complete') return;
      assert.equal(r.length, bytes.length);
      assert.equal(
        r.header.family,
        init.addresses
          ? init.addresses.kind === 'ip' && init.addresses.sourceAddress.includes(':')
            ? 'INET6'
            : 'INET'
          : 'UNSPEC',
      );
      const again = decodeProxyHeader(encodeProxyHeader(r.header));
      assert.equal(again.status, 'complete');
      if (again.status === 'complete') assert.deepEqual(again.header, r.header);
    }),
    { numRuns: 500 },
  );
});

/** Inputs near the grammar: valid headers, mutated and truncated, and raw noise. */
const nearHeaders = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc
    .tuple(
      fc.oneof(v1Init, v2Init),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
      fc.nat(),
      fc.uint8Array({ maxLength: 20 }),
    )
    .map(([init, flips, cut, tail]) => {
      const b = encodeProxyHeader(init);
      for (const [at, v] of flips) if (b.length) b[at % b.length] = v;
      const keep = cut % (b.length + 2);
      return new Uint8Array([...b.subarray(0, keep), ...tail]);
    }),
  fc.constantFrom(...MALFORMED.map((c) => c.bytes)),
);

test('no input throws, and every answer is well formed', () => {
  fc.assert(
    fc.property(nearHeaders, fc.integer({ min: 16, max: 70000 }), (bytes, max) => {
      const r = decodeProxyHeader(bytes, { maxHeaderSize: max });
      if (r.status === 'complete') {
        assert.ok(r.length > 0 && r.length <= bytes.length && r.length <= max);
      } else if (r.status === 'invalid') {
        assert.equal(typeof r.error.code, 'string');
        assert.ok(r.error.message.length > 0);
      }
    }),
    { numRuns: 3000 },
  );
});

test('fed byte by byte, or in random chunks, the decoder answers as fed at once', () => {
  fc.assert(
    fc.property(
      nearHeaders,
      fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 30 }),
      (bytes, cuts) => {
        const once = new ProxyHeaderDecoder();
        once.push(bytes);
        const whole = plain(once.end());
        const wholeRest = [...once.rest];

        const bytewise = new ProxyHeaderDecoder();
        for (const b of bytes) bytewise.push(Uint8Array.of(b));
        assert.deepEqual(plain(bytewise.end()), whole);
        assert.deepEqual([...bytewise.rest], wholeRest);

        const chunked = new ProxyHeaderDecoder();
        let at = 0;
        for (const c of cuts) {
          if (at >= bytes.length) break;
          chunked.push(bytes.subarray(at, at + c));
          at += c;
        }
        if (at < bytes.length) chunked.push(bytes.subarray(at));
        assert.deepEqual(plain(chunked.end()), whole);
        assert.deepEqual([...chunked.rest], wholeRest);
      },
    ),
    { numRuns: 1500 },
  );
});

/**
 * v1 lines near the TCP4 form: each part is valid most of the time and otherwise a near
 * miss (the fast path's own alphabet, odd spacing and terminators), so that most lines
 * carry at most one fault.
 */
const nearV1 = (() => {
  const mostly = <T>(valid: fc.Arbitrary<T>, odd: fc.Arbitrary<T>) =>
    fc.oneof({ arbitrary: valid, weight: 6 }, { arbitrary: odd, weight: 1 });
  const digits = fc.string({ unit: fc.constantFrom(...'0123456789'.split('')), maxLength: 7 });
  const quadish = mostly(
    ipv4,
    fc.oneof(
      fc.array(digits, { minLength: 1, maxLength: 6 }).map((parts) => parts.join('.')),
      fc.constantFrom('010.0.0.1', '1.2.3.04', '256.1.1.1', '1.2.3.4.', '.1.2.3', '1..2.3'),
    ),
  );
  const portish = mostly(
    port.map(String),
    fc.oneof(digits, fc.constantFrom('00', '01', '065535', '65536', '99999', '100000', '-1', '')),
  );
  const sep = mostly(fc.constant(' '), fc.constantFrom('  ', '\t', ''));
  return fc
    .tuple(
      mostly(fc.constant('PROXY '), fc.constantFrom('PROXY  ', 'PROXY', 'PROXX ')),
      mostly(fc.constant('TCP4'), fc.constantFrom('TCP6', 'UNKNOWN', 'tcp4', 'TCP44', 'UDP4')),
      fc.tuple(sep, quadish, sep, quadish, sep, portish, sep, portish),
      mostly(fc.constant('\r\n'), fc.constantFrom('\n', '\r', '', '\r\r\n', ' \r\n')),
      fc.constantFrom('', 'GET / HTTP/1.1\r\n\r\n', 'x'.repeat(80)),
    )
    .map(([pre, proto, fields, tail, after]) =>
      new TextEncoder().encode(`${pre}${proto}${fields.join('')}${tail}${after}`),
    );
})();

test('the v1 fast path answers exactly as the general v1 reader, for every input', () => {
  fc.assert(
    fc.property(
      nearV1,
      fc.option(fc.integer({ min: 16, max: 60 }), { nil: undefined, freq: 2 }),
      fc.integer({ min: 0, max: 130 }),
      (bytes, maxHeaderSize, cut) => {
        for (const b of [bytes, bytes.subarray(0, cut)]) {
          if (b.length === 0 || b[0] !== 0x50) continue;
          const general = decodeV1General(b, maxHeaderSize ?? 16384);
          assert.deepStrictEqual(decodeProxyHeader(b, { maxHeaderSize }), general);
        }
      },
    ),
    { numRuns: 3000 },
  );
});
