/**
 * What docs/proxy-protocol.md promises about the codec, property-tested: a decoded header
 * has a JSON form (BigInt and bytes included), and it re-encodes to the same bytes exactly
 * where the docs say (canonical input), and to an equivalent header everywhere else.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  decodeProxyHeader,
  encodeProxyHeader,
  type ProxyHeader,
  type ProxyTlv,
} from '../../src/proxy-protocol/index.js';

function decode(bytes: Uint8Array): ProxyHeader {
  const r = decodeProxyHeader(bytes);
  assert.equal(r.status, 'complete', r.status === 'invalid' ? r.error.message : r.status);
  return (r as { header: ProxyHeader }).header;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const ascii = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((a) => a.join('.'));
const v6groups = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 });
const canonical6 = (g: number[]) =>
  new URL(`http://[${g.map((x) => x.toString(16)).join(':')}]/`).hostname.slice(1, -1);
const portArb = fc.nat(65535);
/** TLVs of types the decoder keeps raw (no per-type rules), plus a GCP id. */
const tlvArb = fc.array(
  fc.record({
    type: fc.constantFrom(0xe1, 0xe5, 0xf0, 0xf7),
    value: fc.uint8Array({ maxLength: 20 }),
  }),
  { maxLength: 3 },
);
const gcpArb = fc.option(fc.uint8Array({ minLength: 8, maxLength: 8 }), { nil: undefined });

test('JSON.stringify of a decoded header: no throw on a GCP TLV, bigint as decimal, bytes as hex', () => {
  fc.assert(
    fc.property(v4, v4, portArb, portArb, tlvArb, gcpArb, (s, d, sp, dp, extra, gcp) => {
      const tlvs: ProxyTlv[] = [...extra, ...(gcp ? [{ type: 0xe0, value: gcp }] : [])];
      const h = decode(
        encodeProxyHeader({
          version: 2,
          addresses: {
            kind: 'ip',
            sourceAddress: s,
            destinationAddress: d,
            sourcePort: sp,
            destinationPort: dp,
          },
          tlvs,
        }),
      );
      const json = JSON.parse(JSON.stringify(h));
      assert.equal(json.addresses.sourceAddress, s);
      assert.deepEqual(
        json.tlvs,
        tlvs.map((t) => ({ type: t.type, value: hex(t.value) })),
      );
      if (gcp) {
        assert.equal(json.gcpPscConnectionId, BigInt(`0x${hex(gcp)}`).toString(10));
        assert.equal(typeof h.gcpPscConnectionId, 'bigint', 'the header itself keeps the bigint');
      } else assert.equal('gcpPscConnectionId' in json, false);
    }),
  );
});

test('canonical bytes re-encode to the same bytes (v1 TCP4/TCP6/UNKNOWN, v2 with TLVs)', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.record({ version: fc.constant(1 as const), s: v4, d: v4 }),
        fc.record({
          version: fc.constant(1 as const),
          s: v6groups.map(canonical6),
          d: v6groups.map(canonical6),
        }),
        fc.record({ version: fc.constant(2 as const), s: v4, d: v4 }),
        fc.record({
          version: fc.constant(2 as const),
          s: v6groups.map(canonical6),
          d: v6groups.map(canonical6),
        }),
        fc.constant({ version: 1 as const, s: '', d: '' }),
      ),
      portArb,
      portArb,
      tlvArb,
      ({ version, s, d }, sp, dp, tlvs) => {
        const bytes = encodeProxyHeader({
          version,
          ...(s
            ? {
                addresses: {
                  kind: 'ip' as const,
                  sourceAddress: s,
                  destinationAddress: d,
                  sourcePort: sp,
                  destinationPort: dp,
                },
              }
            : {}),
          ...(version === 2 ? { tlvs } : {}),
        });
        assert.deepEqual([...encodeProxyHeader(decode(bytes))], [...bytes]);
      },
    ),
  );
});

test('v1 TCP6 in non-canonical text: re-encoded in RFC 5952 form, decoding to the same header', () => {
  const text = (g: number[], upper: boolean, pad: boolean) =>
    g
      .map((x) => {
        const h = pad ? x.toString(16).padStart(4, '0') : x.toString(16);
        return upper ? h.toUpperCase() : h;
      })
      .join(':');
  fc.assert(
    fc.property(
      v6groups,
      v6groups,
      fc.boolean(),
      fc.boolean(),
      portArb,
      portArb,
      (a, b, upper, pad, sp, dp) => {
        const original = ascii(
          `PROXY TCP6 ${text(a, upper, pad)} ${text(b, upper, pad)} ${sp} ${dp}\r\n`,
        );
        const h = decode(original);
        const again = encodeProxyHeader(h);
        assert.equal(
          Buffer.from(again).toString('latin1'),
          `PROXY TCP6 ${canonical6(a)} ${canonical6(b)} ${sp} ${dp}\r\n`,
        );
        assert.deepEqual(decode(again), h);
      },
    ),
  );
});

test('PROXY UNKNOWN with ignored fields: re-encoded as PROXY UNKNOWN, decoding to the same header', () => {
  fc.assert(
    fc.property(fc.stringMatching(/^[\x21-\x7e][\x20-\x7e]{0,80}$/), (junk) => {
      const h = decode(ascii(`PROXY UNKNOWN ${junk}\r\n`));
      const again = encodeProxyHeader(h);
      assert.equal(Buffer.from(again).toString('latin1'), 'PROXY UNKNOWN\r\n');
      assert.deepEqual(decode(again), h);
    }),
  );
});

test('v2 LOCAL with an address block too short for its family: encodes (empty block), same header', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(0x11, 0x12, 0x21, 0x22, 0x31, 0x32),
      fc.nat(11),
      fc.uint8Array({ maxLength: 11 }),
      (fam, _n, block) => {
        const sig = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];
        const bytes = new Uint8Array([...sig, 0x20, fam, 0, block.length, ...block]);
        const r = decodeProxyHeader(bytes);
        if (r.status !== 'complete') return; // the decoder may refuse some; the promise is about decoded headers
        const h = r.header;
        assert.equal(h.command, 'LOCAL');
        const again = encodeProxyHeader(h);
        assert.deepEqual(decode(again), h);
      },
    ),
  );
});

test('docs/proxy-protocol.md states exactly where re-encoding gives the same bytes, and the JSON form', async () => {
  const { readFileSync } = await import('node:fs');
  const doc = readFileSync(new URL('../../docs/proxy-protocol.md', import.meta.url), 'utf8');
  assert.doesNotMatch(doc, /A decoded header re-encodes\s+to the same bytes\./);
  assert.match(doc, /RFC 5952/);
  assert.match(doc, /`PROXY UNKNOWN\\r\\n`/);
  assert.match(doc, /`LOCAL` header\s+whose address block is too short/);
  assert.match(doc, /`gcpPscConnectionId` as a decimal string/);
});
