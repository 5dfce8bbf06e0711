/**
 * Properties of resolution that must hold for every input:
 * - headers from an untrusted peer change nothing (the view is the socket's own facts);
 * - what a client prepends to a chain never changes the answer;
 * - no input throws;
 * - the work per request is bounded (hops walked and trust checks are capped).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { compilePolicy, FAMILY_HEADERS, parseHost, resolve } from '../../src/core/index.js';
import { resolveGeneral } from '../../src/core/resolve.js';

const FORWARDED_NAMES = Object.values(FAMILY_HEADERS).flat();
const ALL_FAMILIES = Object.keys(FAMILY_HEADERS) as (keyof typeof FAMILY_HEADERS)[];

const ipv4 = fc.ipV4();
const ipv6 = fc.ipV6();
const anyIp = fc.oneof(ipv4, ipv6);

/** Plausible and hostile values for forwarded headers. */
const headerValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  anyIp,
  fc.constantFrom(
    'https',
    'http',
    'HTTPS',
    'https, https',
    'https,http',
    'on',
    '{"scheme":"https"}',
  ),
  fc.constantFrom(
    'evil.example',
    'app.example.com:8443',
    'for=1.2.3.4;proto=https;host=evil.example',
  ),
  fc.array(anyIp, { maxLength: 6 }).map((a) => a.join(', ')),
);
const forwardedHeaders = fc.array(fc.tuple(fc.constantFrom(...FORWARDED_NAMES), headerValue), {
  maxLength: 12,
});
const hostHeader = fc.constantFrom(
  'app.example.com',
  'app.example.com:8080',
  '[::1]:3000',
  'a.b.example',
);

describe('untrusted peers change nothing', () => {
  test('for random forwarded headers from an untrusted peer, the view is the socket', () => {
    const policy = compilePolicy({
      trustedProxies: ['loopback', '10.0.0.0/8', 'cloudflare', 'cloudfront'],
      headers: ALL_FAMILIES,
    });
    // Untrusted: TEST-NET-2/3 and 2001:db8::/32 are in none of the lists above.
    const peer = fc.oneof(
      fc
        .tuple(fc.constantFrom('198.51.100', '203.0.113'), fc.integer({ min: 0, max: 255 }))
        .map(([n, h]) => `${n}.${h}`),
      fc.integer({ min: 1, max: 0xffff }).map((h) => `2001:db8::${h.toString(16)}`),
    );
    fc.assert(
      fc.property(peer, hostHeader, fc.boolean(), forwardedHeaders, (p, host, tls, fwd) => {
        const raw = ['Host', host, ...fwd.flat()];
        const v = resolve(policy, { peer: p, headers: raw, encrypted: tls });
        const h = parseHost(host)!;
        assert.equal(v.peerTrusted, false);
        assert.equal(v.scheme, tls ? 'https' : 'http');
        assert.equal(v.clientIp, p);
        assert.equal(v.hostname, h.hostname);
        assert.equal(v.port, h.port ?? (tls ? 443 : 80));
        assert.equal(v.prefix, undefined);
        // Any forwarded header present is reported, and nothing else is.
        const codes = new Set(v.warnings.map((w) => w.code));
        if (fwd.length > 0) assert.ok(codes.has('UNTRUSTED_FORWARDED'));
        codes.delete('UNTRUSTED_FORWARDED');
        assert.deepEqual([...codes], []);
      }),
      { numRuns: 500 },
    );
  });

  test('what a client prepends to X-Forwarded-For / -Proto never changes the answer', () => {
    const policy = compilePolicy({ trustedProxies: ['10.0.0.0/8'] });
    const proxy = fc
      .integer({ min: 1, max: 0xfffff })
      .map((n) => `10.${n >> 12}.${(n >> 4) & 255}.${n & 15}`);
    const client = fc.integer({ min: 1, max: 254 }).map((n) => `198.51.100.${n}`);
    fc.assert(
      fc.property(
        fc.array(proxy, { maxLength: 4 }),
        client,
        fc.array(
          fc.oneof(
            anyIp,
            fc.string({ maxLength: 12 }).filter((s) => !s.includes(',')),
          ),
          { maxLength: 5 },
        ),
        fc.constantFrom('http', 'https'),
        (proxies, c, forged, proto) => {
          // Every hop appends one X-Forwarded-For and one X-Forwarded-Proto entry.
          const honestFor = [c, ...proxies];
          const honestProto = honestFor.map((_, i) => (i === 0 ? proto : 'http'));
          const base = resolve(policy, {
            peer: '10.255.0.1',
            headers: {
              host: 'app.example.com',
              'x-forwarded-for': honestFor.join(', '),
              'x-forwarded-proto': honestProto.join(', '),
            },
          });
          const spoofed = resolve(policy, {
            peer: '10.255.0.1',
            headers: {
              host: 'app.example.com',
              'x-forwarded-for': [...forged, ...honestFor].join(', '),
              'x-forwarded-proto': [...forged.map(() => 'https'), ...honestProto].join(', '),
            },
          });
          assert.equal(base.clientIp, c);
          assert.equal(base.scheme, proto);
          assert.equal(spoofed.clientIp, c);
          assert.equal(spoofed.scheme, proto);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('the trust cache is invisible', () => {
  test('a long-lived policy answers exactly like a fresh one, request after request', () => {
    const options = { trustedProxies: ['loopback', '10.0.0.0/8', 'fd00::/8'] };
    const shared = compilePolicy(options);
    const addr = fc.oneof(
      fc.constantFrom(
        '10.0.0.1',
        '10.1.2.3',
        '127.0.0.1',
        '::1',
        'fd00::1',
        '198.51.100.7',
        '10.0.0.1:80',
      ),
      fc.constantFrom('::ffff:10.0.0.1', '[fd00::1]:443', '10.00.0.1', 'fd00:0::1'),
      anyIp,
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(addr, fc.array(addr, { maxLength: 5 })), { minLength: 1, maxLength: 30 }),
        (reqs) => {
          for (const [peer, chain] of reqs) {
            const headers = { host: 'a.example', 'x-forwarded-for': chain.join(', ') };
            const a = resolve(shared, { peer, headers });
            const b = resolve(compilePolicy(options), { peer, headers });
            assert.equal(a.clientIp, b.clientIp);
            assert.equal(a.peerTrusted, b.peerTrusted);
            assert.equal(a.peer, b.peer);
            assert.deepEqual(a.hops, b.hops);
            assert.deepEqual(a.warnings, b.warnings);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('no input throws', () => {
  test('arbitrary raw headers, peers and TLS flags', () => {
    const policy = compilePolicy({
      trustedProxies: ['0.0.0.0/0', '::/0'],
      headers: ALL_FAMILIES,
      allowedHosts: ['.example.com'],
    });
    const name = fc.oneof(
      fc.constantFrom('Host', ...FORWARDED_NAMES, 'Connection'),
      fc.string({ maxLength: 10 }),
    );
    fc.assert(
      fc.property(
        fc.oneof(anyIp, fc.string({ maxLength: 30 })),
        fc.array(fc.tuple(name, fc.oneof(headerValue, fc.string({ maxLength: 200 }))), {
          maxLength: 20,
        }),
        fc.boolean(),
        (peer, headers, tls) => {
          const v = resolve(policy, { peer, headers: headers.flat(), encrypted: tls });
          assert.ok(v.scheme === 'http' || v.scheme === 'https');
          assert.ok(v.clientIp === undefined || typeof v.clientIp === 'string');
          assert.ok(Number.isInteger(v.port) && v.port >= 1 && v.port <= 65535);
          // The trace paths must not throw either.
          JSON.stringify(v);
          assert.ok(v.hops.length >= 1);
        },
      ),
      { numRuns: 1000 },
    );
  });
  test('arbitrary header objects and Headers', () => {
    const policy = compilePolicy({ trustedProxies: ['loopback'] });
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom('host', ...FORWARDED_NAMES),
          fc.oneof(headerValue, fc.array(headerValue, { maxLength: 3 })),
        ),
        (obj) => {
          resolve(policy, { peer: '127.0.0.1', headers: obj });
          const h = new Headers();
          for (const [k, v] of Object.entries(obj)) {
            for (const x of Array.isArray(v) ? v : [v]) {
              try {
                h.append(k, x);
              } catch {
                // Headers refuses some bytes; that is the caller's problem, not ours.
              }
            }
          }
          resolve(policy, { peer: '127.0.0.1', headers: h });
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('bounded work', () => {
  test('trust checks and hops are capped by maxHops, whatever the chain length', () => {
    let checks = 0;
    const policy = compilePolicy({
      trustedProxies: [
        () => {
          checks++;
          return true;
        },
      ],
      limits: { maxHops: 16 },
    });
    for (const n of [10, 100, 10_000]) {
      checks = 0;
      const xff = Array.from({ length: n }, (_, i) => `192.0.${(i >> 8) & 255}.${i & 255}`).join(
        ', ',
      );
      const v = resolve(policy, {
        peer: '192.0.2.1',
        headers: { host: 'a.example', 'x-forwarded-for': xff },
      });
      assert.ok(checks <= 17, `${checks} trust checks for ${n} entries`);
      assert.ok(v.hops.length <= 17 + 1);
      if (n > 16) assert.ok(v.warnings.some((w) => w.code === 'LIMIT_EXCEEDED'));
    }
  });
  test('Forwarded with many elements and parameters is capped', () => {
    const policy = compilePolicy({
      trustedProxies: ['0.0.0.0/0'],
      headers: ['forwarded'],
      limits: { maxHops: 8 },
    });
    const el = 'for=192.0.2.1;proto=https;host=a.example';
    const v = resolve(policy, {
      peer: '192.0.2.1',
      headers: { host: 'a.example', forwarded: Array.from({ length: 5000 }, () => el).join(', ') },
    });
    assert.ok(v.hops.length <= 9);
    assert.ok(v.warnings.some((w) => w.code === 'LIMIT_EXCEEDED'));
  });
  test('warnings are capped', () => {
    const policy = compilePolicy({ trustedProxies: ['0.0.0.0/0'], headers: ALL_FAMILIES });
    const raw: string[] = ['Host', 'a.example'];
    for (const n of FORWARDED_NAMES) for (let i = 0; i < 10; i++) raw.push(n, `junk${i}, x`);
    const v = resolve(policy, { peer: '192.0.2.1', headers: raw });
    assert.ok(v.warnings.length <= 64);
  });
});

describe('the fast path is invisible', () => {
  test('resolve (fast path when it applies) equals the general path, field for field', () => {
    const addr = fc.constantFrom(
      '127.0.0.1',
      '10.0.0.1',
      '10.1.2.3',
      '172.16.5.4',
      '192.0.2.9',
      '198.51.100.7',
      '203.0.113.7',
      '::1',
      'fd00::1',
      '2001:db8::7',
      '10.0.0.1:80',
      '[::1]:80',
      'unknown',
      'junk',
      '',
      '010.0.0.1',
    );
    const policies = [
      compilePolicy({ trustedProxies: ['loopback', '10.0.0.0/8', '172.16.0.0/12'] }),
      compilePolicy({ trustedProxies: ['loopback', 'fd00::/8'], allowedHosts: ['.example.com'] }),
      compilePolicy({ trustedProxies: ['10.0.0.0/8'], limits: { maxHops: 3 } }),
      compilePolicy({ trustedProxies: ['loopback'], headers: ['x-forwarded'] }),
      compilePolicy({
        trustedProxies: ['loopback', '10.0.0.0/8'],
        headers: ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host'],
      }),
      compilePolicy({ trustedProxies: ['loopback', '10.0.0.0/8'], headers: ['x-forwarded-for'] }),
    ];
    const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: policies.length - 1 }),
        addr,
        maybe(
          fc.oneof(
            fc.array(addr, { maxLength: 5 }).map((a) => a.join(', ')),
            // separators and spacing as senders vary them
            fc
              .array(fc.tuple(addr, fc.constantFrom(',', ', ', ' ,', ',\t', ' , ', ',,')), {
                maxLength: 4,
              })
              .map((a) => a.flat().join('')),
            // near-addresses: every character the one-pass reader looks at, in any order
            fc.string({ unit: fc.constantFrom(...'0123456789.,: \tx'), maxLength: 24 }),
            fc.constantFrom(
              '1.2.3.4 ',
              ' 1.2.3.4',
              '\t203.0.113.7',
              '1000.1.1.1',
              '256.1.1.1',
              '1.2.3',
              '1.2.3.4.5',
              '.1.2.3',
              '1..2.3',
              '1.2.3.',
              '01.2.3.4',
              '1.2.3.00',
              '0.0.0.0',
              '255.255.255.255',
              '4294967296',
              '203.0.113.7x',
              'x203.0.113.7',
              '203.0.113.7 10.0.0.1',
            ),
          ),
        ),
        maybe(fc.constantFrom('https', 'http', 'HTTPS', 'https, https', 'ftp')),
        maybe(
          fc.constantFrom(
            'app.example.com',
            'App.Example.com:8443',
            'evil.net',
            'a..b',
            'x.example.com,y',
          ),
        ),
        maybe(fc.constantFrom('app.example.com', 'internal:8080', '[::1]:3000', 'bad host')),
        fc.boolean(),
        maybe(fc.constantFrom('keep-alive', 'close', 'Keep-Alive, X-Forwarded-For', 'upgrade')),
        fc.constantFrom('record', 'raw', 'raw-dup-host', 'raw-dup-proto'),
        // other lines: names of the same length as the ones read, and the ones that send
        // the fast path away, in odd spellings
        fc.subarray([
          ['User-Agent', 'autocannon'],
          ['Accept', '*/*'],
          ['x-FORWARDED-port', '443'],
          ['X-Forwarded-Prefix', '/app'],
          ['forwarded', 'for=192.0.2.60;proto=https'],
          ['X-Forwarded-Xyz', 'a'],
          ['X-Forwarded-Hosx', 'b'],
          ['hOST', 'second.example.com'],
          ['Connectio_', 'x'],
        ] as [string, string][]),
        (pi, peer, xff, xfp, xfh, host, tls, connection, form, extra) => {
          const pairs: [string, string][] = [];
          if (xff !== undefined) pairs.push(['X-Forwarded-For', xff]);
          if (xfp !== undefined) pairs.push(['x-forwarded-proto', xfp]);
          if (xfh !== undefined) pairs.push(['X-FORWARDED-HOST', xfh]);
          if (host !== undefined) pairs.push(['Host', host]);
          if (connection !== undefined) pairs.push(['Connection', connection]);
          if (form === 'raw-dup-host') pairs.push(['host', 'other.example.com']);
          if (form === 'raw-dup-proto') pairs.push(['X-Forwarded-Proto', 'https']);
          pairs.push(...extra);
          const headers =
            form === 'record'
              ? Object.fromEntries(pairs.map(([k, v]) => [k.toLowerCase(), v]))
              : pairs.flat();
          const policy = policies[pi]!;
          const fast = resolve(policy, { peer, headers, encrypted: tls });
          const general = resolveGeneral(policy, { peer, headers, encrypted: tls });
          assert.deepEqual(JSON.parse(JSON.stringify(fast)), JSON.parse(JSON.stringify(general)));
        },
      ),
      { numRuns: 3000 },
    );
  });
});
