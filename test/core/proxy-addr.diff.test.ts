/**
 * Differential test against proxy-addr (Express's client IP) over a generated corpus with
 * the same trust lists. The two agree wherever proxy-addr's semantics are right; each
 * deliberate difference is a named test below.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import proxyaddr from 'proxy-addr';
import { compilePolicy, parseIp, resolve } from '../../src/core/index.js';

/** Trust-list entries both libraries accept with the same meaning. */
const POOL = [
  'loopback',
  'linklocal',
  'uniquelocal',
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '192.0.2.0/24',
  '198.51.100.0/25',
  '203.0.113.7',
  'fd00::/8',
  '2001:db8::/48',
  '2001:db8:1::1',
  '::ffff:192.0.2.128/121',
];

/** Addresses drawn mostly from inside and around the pool's ranges. */
const address = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      '127.0.0.1',
      '::1',
      '10.1.2.3',
      '10.255.255.255',
      '172.16.5.4',
      '172.32.0.1',
      '192.168.1.1',
      '192.0.2.5',
      '192.0.2.200',
      '198.51.100.1',
      '198.51.100.200',
      '203.0.113.7',
      '203.0.113.8',
      '169.254.1.1',
      'fe80::1',
      'fd00::5',
      'fc00::1',
      '2001:db8::5',
      '2001:db8:1::1',
      '2001:db8:1::2',
      '::ffff:10.1.2.3',
      '::ffff:203.0.113.7',
      '8.8.8.8',
    ),
  },
  { weight: 1, arbitrary: fc.ipV4() },
  { weight: 1, arbitrary: fc.ipV6() },
);

const corpus = fc.record({
  trust: fc.subarray(POOL, { minLength: 1 }),
  peer: address,
  chain: fc.array(address, { maxLength: 6 }),
});

function canonical(ip: string): string {
  return parseIp(ip)?.text ?? ip;
}

function proxyAddrIp(trust: string[], peer: string, xff: string | undefined): string {
  const req = {
    connection: { remoteAddress: peer },
    socket: { remoteAddress: peer },
    headers: xff === undefined ? {} : { 'x-forwarded-for': xff },
  };
  // biome-ignore lint/suspicious/noExplicitAny: proxy-addr takes a Node request
  return proxyaddr(req as any, proxyaddr.compile(trust));
}

function ours(trust: string[], peer: string, xff: string | undefined): string | undefined {
  const policy = compilePolicy({ trustedProxies: trust, headers: ['x-forwarded-for'] });
  return resolve(policy, {
    peer,
    headers: { host: 'a.example', ...(xff === undefined ? {} : { 'x-forwarded-for': xff }) },
  }).clientIp;
}

describe('client IP agrees with proxy-addr', () => {
  test('a generated corpus of 2000 requests agrees exactly (canonical text)', () => {
    let compared = 0;
    let walkedPastPeer = 0;
    fc.assert(
      fc.property(corpus, ({ trust, peer, chain }) => {
        const xff = chain.length ? chain.join(', ') : undefined;
        const theirs = canonical(proxyAddrIp(trust, peer, xff));
        const mine = ours(trust, peer, xff);
        compared++;
        if (mine !== canonical(peer)) walkedPastPeer++;
        assert.equal(mine, theirs, `trust=${trust} peer=${peer} xff=${xff}`);
      }),
      { numRuns: 2000, seed: 7239 },
    );
    assert.equal(compared, 2000);
    // The corpus must exercise the walk, not just the untrusted-peer case.
    assert.ok(walkedPastPeer > 400, `only ${walkedPastPeer} requests walked past the peer`);
  });
  test('the FIELD.md reference chain', () => {
    const trust = ['loopback', '10.0.0.0/8', '172.16.0.0/12'];
    const xff = '203.0.113.7, 10.1.2.3, 172.16.5.4';
    assert.equal(ours(trust, '127.0.0.1', xff), '203.0.113.7');
    assert.equal(proxyAddrIp(trust, '127.0.0.1', xff), '203.0.113.7');
  });
});

describe('documented exceptions (proxytrust differs on purpose)', () => {
  const trust = ['10.0.0.0/8'];
  test('a malformed entry: proxy-addr returns the junk as the "IP"; proxytrust reports the client unknown', () => {
    // Since 0.2.0 the walk no longer falls back to the last trusted address (a proxy's own):
    // a client that cannot be known is undefined.
    assert.equal(proxyAddrIp(trust, '10.0.0.5', '198.51.100.1, garbage'), 'garbage');
    assert.equal(ours(trust, '10.0.0.5', '198.51.100.1, garbage'), undefined);
  });
  test('ip:port entries (Azure): proxy-addr returns "ip:port"; proxytrust parses the address', () => {
    assert.equal(proxyAddrIp(trust, '10.0.0.5', '198.51.100.1:4711'), '198.51.100.1:4711');
    assert.equal(ours(trust, '10.0.0.5', '198.51.100.1:4711'), '198.51.100.1');
  });
  test('`unknown`: proxy-addr returns "unknown"; proxytrust reports the client unknown (undefined)', () => {
    assert.equal(proxyAddrIp(trust, '10.0.0.5', 'unknown'), 'unknown');
    assert.equal(ours(trust, '10.0.0.5', 'unknown'), undefined);
  });
  test('an empty entry: proxy-addr skips it; proxytrust treats it as malformed: the client is unknown', () => {
    const theirs = proxyAddrIp(trust, '10.0.0.5', '198.51.100.1, , 10.0.0.4');
    const mine = ours(trust, '10.0.0.5', '198.51.100.1, , 10.0.0.4');
    assert.equal(mine, undefined);
    assert.equal(theirs, '198.51.100.1');
  });
  test('canonical text: proxy-addr echoes the header text; proxytrust canonicalises', () => {
    assert.equal(proxyAddrIp(trust, '10.0.0.5', '2001:DB8:0:0::1'), '2001:DB8:0:0::1');
    assert.equal(ours(trust, '10.0.0.5', '2001:DB8:0:0::1'), '2001:db8::1');
  });
});
