import assert from 'node:assert/strict';
import { isIPv4, isIPv6 } from 'node:net';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  compileTrustList,
  NAMED_RANGES,
  parseAddressWithPort,
  parseCidr,
  parseIp,
  parseNode,
} from '../../src/core/address.js';

describe('parseIp', () => {
  const ok: [string, string, 4 | 6][] = [
    ['192.0.2.1', '192.0.2.1', 4],
    ['0.0.0.0', '0.0.0.0', 4],
    ['255.255.255.255', '255.255.255.255', 4],
    ['::1', '::1', 6],
    ['::', '::', 6],
    ['2001:DB8::1', '2001:db8::1', 6],
    ['2001:0db8:0000:0000:0000:0000:0002:0001', '2001:db8::2:1', 6],
    ['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1', 6],
    ['fe80::1%eth0', 'fe80::1', 6],
    ['::ffff:127.0.0.1', '127.0.0.1', 4],
    ['::FFFF:10.1.2.3', '10.1.2.3', 4],
    ['::ffff:7f00:1', '127.0.0.1', 4],
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221', 6],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8', 6],
  ];
  for (const [input, text, version] of ok) {
    test(`accepts ${input}`, () => {
      assert.deepEqual(parseIp(input), { version, text });
    });
  }
  const bad = [
    '',
    '1.2.3',
    '1.2.3.4.5',
    '256.1.1.1',
    '01.2.3.4',
    '1.2.3.04',
    '1.2.3.4 ',
    ' 1.2.3.4',
    '1..2.3',
    'a.b.c.d',
    ':::',
    '1:2:3:4:5:6:7:8:9',
    '1::2::3',
    '12345::',
    '::ffff:1.2.3',
    'fe80::1%',
    '[::1]',
    '1.2.3.4:80',
    'localhost',
    'unknown',
  ];
  for (const input of bad) {
    test(`rejects ${JSON.stringify(input)}`, () => {
      assert.equal(parseIp(input), undefined);
    });
  }

  test('agrees with node:net on random IPv4 text', () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        assert.equal(parseIp(ip)?.text, ip);
      }),
    );
  });

  test('agrees with node:net on random IPv6 text (node:net accepts, we canonicalise)', () => {
    fc.assert(
      fc.property(fc.ipV6(), (ip) => {
        const r = parseIp(ip);
        assert.ok(r, `rejected ${ip}`);
        // Canonical text parses back to itself, and node agrees it is an address.
        assert.equal(parseIp(r.text)?.text, r.text);
        assert.ok(r.version === 4 ? isIPv4(r.text) : isIPv6(r.text));
      }),
    );
  });

  test('never throws, and accepts only what node:net accepts (ignoring zones)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 50 }), (s) => {
        const r = parseIp(s);
        if (r && !s.includes('%')) assert.ok(isIPv4(s) || isIPv6(s), `accepted ${s}`);
      }),
    );
  });
});

describe('parseAddressWithPort', () => {
  const cases: [string, { ip: string; port: number | undefined } | undefined][] = [
    ['203.0.113.7', { ip: '203.0.113.7', port: undefined }],
    ['203.0.113.7:4711', { ip: '203.0.113.7', port: 4711 }],
    ['[2001:db8::7]:4711', { ip: '2001:db8::7', port: 4711 }],
    ['[2001:db8::7]', { ip: '2001:db8::7', port: undefined }],
    ['2001:db8::7', { ip: '2001:db8::7', port: undefined }],
    ['[::1]:8000', { ip: '::1', port: 8000 }],
    ['::ffff:127.0.0.1', { ip: '127.0.0.1', port: undefined }],
    ['[::ffff:127.0.0.1]:80', { ip: '127.0.0.1', port: 80 }],
    ['203.0.113.7:', undefined],
    ['203.0.113.7:65536', undefined],
    ['203.0.113.7:-1', undefined],
    ['[203.0.113.7]:80', undefined],
    ['[2001:db8::7', undefined],
    ['[2001:db8::7]x', undefined],
    ['host:80', undefined],
  ];
  for (const [input, want] of cases) {
    test(`${input}`, () => assert.deepEqual(parseAddressWithPort(input), want));
  }
});

describe('parseNode (RFC 7239 node)', () => {
  test('the RFC forms', () => {
    assert.deepEqual(parseNode('192.0.2.60'), { kind: 'ip', ip: '192.0.2.60', port: undefined });
    assert.deepEqual(parseNode('192.0.2.60:8080'), { kind: 'ip', ip: '192.0.2.60', port: 8080 });
    assert.deepEqual(parseNode('[2001:db8:cafe::17]:4711'), {
      kind: 'ip',
      ip: '2001:db8:cafe::17',
      port: 4711,
    });
    assert.deepEqual(parseNode('[2001:db8:cafe::17]'), {
      kind: 'ip',
      ip: '2001:db8:cafe::17',
      port: undefined,
    });
    assert.deepEqual(parseNode('unknown'), { kind: 'unknown' });
    assert.deepEqual(parseNode('UNKNOWN'), { kind: 'unknown' });
    assert.deepEqual(parseNode('_hidden'), { kind: 'obfuscated', id: '_hidden' });
    assert.deepEqual(parseNode('_SEVKISEK:_9A'), { kind: 'obfuscated', id: '_SEVKISEK' });
    assert.deepEqual(parseNode('192.0.2.60:_port'), {
      kind: 'ip',
      ip: '192.0.2.60',
      port: undefined,
    });
  });
  test('rejects non-nodes', () => {
    for (const bad of [
      '',
      '2001:db8::1',
      '[192.0.2.60]',
      '_',
      '_a b',
      'example.com',
      '192.0.2.60:99999',
      '192.0.2.60:',
      '[::1]:',
      '[::1',
      'unknownx',
    ]) {
      assert.equal(parseNode(bad), undefined, bad);
    }
  });
  test('never throws', () => {
    fc.assert(fc.property(fc.string({ maxLength: 60 }), (s) => void parseNode(s)));
  });
});

describe('parseCidr and compileTrustList', () => {
  test('canonical CIDRs', () => {
    assert.equal(parseCidr('10.0.0.0/8').text, '10.0.0.0/8');
    assert.equal(parseCidr('2001:DB8::/32').text, '2001:db8::/32');
    assert.equal(parseCidr('192.0.2.1').text, '192.0.2.1/32');
    assert.equal(parseCidr('::1').text, '::1/128');
    assert.equal(parseCidr('::ffff:10.0.0.0/104').text, '10.0.0.0/8');
  });
  test('bad CIDRs throw and name the value', () => {
    for (const bad of ['10.0.0.1/8', '10.0.0.0/33', '10.0.0.0/', 'x/8', '::/129', '10.0.0.0/8/8']) {
      assert.throws(
        () => parseCidr(bad),
        (e: Error) => e instanceof TypeError && e.message.includes(bad),
      );
    }
  });
  test('unknown names throw with the accepted names', () => {
    assert.throws(
      () => compileTrustList(['lopback']),
      (e: Error) => e.message.includes('"lopback"') && e.message.includes('loopback'),
    );
  });
  test('named ranges', () => {
    const t = compileTrustList(['loopback']);
    assert.ok(t('127.0.0.1'));
    assert.ok(t('127.255.255.254'));
    assert.ok(t('::1'));
    assert.ok(
      t('::ffff:127.0.0.1'),
      'IPv4-mapped loopback is loopback (aspnet/BasicMiddleware#341)',
    );
    assert.ok(!t('128.0.0.1'));
    assert.ok(!t('::2'));
    const p = compileTrustList(['private']);
    for (const a of ['10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', 'fd12::1']) {
      assert.ok(p(a), a);
    }
    for (const a of ['172.32.0.1', '11.0.0.1', 'fe80::1', '127.0.0.1']) assert.ok(!p(a), a);
    const ll = compileTrustList(['linklocal']);
    assert.ok(ll('169.254.1.1') && ll('fe80::1') && !ll('fec0::1'));
    assert.deepEqual(NAMED_RANGES.private, NAMED_RANGES.uniquelocal);
  });
  test('address forms with ports and brackets are matched', () => {
    const t = compileTrustList(['10.0.0.0/8', '2001:db8::/32']);
    assert.ok(t('10.0.0.1:4711'));
    assert.ok(t('[2001:db8::1]:80'));
    assert.ok(!t('garbage'));
    assert.ok(!t(''));
  });
  test('covers-everything detection', () => {
    assert.ok(compileTrustList(['0.0.0.0/0']).coversEverything);
    assert.ok(compileTrustList(['::/0']).coversEverything);
    assert.ok(compileTrustList(['0.0.0.0/1', '128.0.0.0/1']).coversEverything);
    assert.ok(compileTrustList(['::/1', '8000::/1']).coversEverything);
    assert.ok(!compileTrustList(['0.0.0.0/1']).coversEverything);
    assert.ok(!compileTrustList(['loopback', 'private']).coversEverything);
  });
  test('matching equals a naive check over random CIDRs and addresses', () => {
    const v4 = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }));
    fc.assert(
      fc.property(
        fc.array(v4, { minLength: 1, maxLength: 12 }),
        fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 20 }),
        (nets, addrs) => {
          const cidrs = nets.map(([a, p]) => {
            const mask = p === 0 ? 0 : (0xffffffff << (32 - p)) >>> 0;
            const net = (a & mask) >>> 0;
            return { net, mask, text: `${toV4(net)}/${p}` };
          });
          const t = compileTrustList(cidrs.map((c) => c.text));
          for (const a of addrs) {
            const want = cidrs.some((c) => (a & c.mask) >>> 0 === c.net);
            assert.equal(t(toV4(a)), want, `${toV4(a)} in ${cidrs.map((c) => c.text)}`);
          }
        },
      ),
    );
  });
  test('IPv6 matching equals a naive BigInt check', () => {
    const big = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(big, fc.integer({ min: 0, max: 128 })), { minLength: 1, maxLength: 8 }),
        fc.array(big, { maxLength: 16 }),
        (nets, addrs) => {
          const cidrs = nets.map(([a, p]) => {
            const mask = p === 0 ? 0n : ((1n << BigInt(p)) - 1n) << BigInt(128 - p);
            const net = a & mask;
            return { net, mask, text: `${toV6(net)}/${p}` };
          });
          // IPv4-mapped networks turn into IPv4 ranges; keep the test to native IPv6.
          const native = cidrs.filter((c) => !isMapped(c.net));
          if (native.length === 0) return;
          const t = compileTrustList(native.map((c) => c.text));
          for (const a of addrs) {
            if (isMapped(a)) continue;
            const want = native.some((c) => (a & c.mask) === c.net);
            assert.equal(t(toV6(a)), want);
          }
        },
      ),
    );
  });
});

function toV4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}
function toV6(n: bigint): string {
  const parts: string[] = [];
  for (let i = 7; i >= 0; i--) parts.push(((n >> BigInt(i * 16)) & 0xffffn).toString(16));
  return parts.join(':');
}
function isMapped(n: bigint): boolean {
  return n >> 32n === 0xffffn;
}
