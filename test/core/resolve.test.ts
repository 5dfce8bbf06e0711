import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  compilePolicy,
  explain,
  type PolicyOptions,
  resolve,
  WarningCodes,
} from '../../src/core/index.js';
import { resolveFast, resolveGeneral } from '../../src/core/resolve.js';
import { codes, type Raw, r } from './util.js';

// Tests that read X-Forwarded-Host/-Port/-Prefix name them: since 0.2.0 only the headers a
// policy names are believed (the default is X-Forwarded-For and X-Forwarded-Proto).
const LB: PolicyOptions = {
  trustedProxies: ['loopback', '10.0.0.0/8', '172.16.0.0/12'],
  headers: ['x-forwarded'],
};
/** LB with RFC 7239 Forwarded believed too. */
const LBF: PolicyOptions = { ...LB, headers: ['x-forwarded', 'forwarded'] };

describe('socket facts when nothing is trusted', () => {
  test('no trust list: the view is the socket', () => {
    const v = r({}, '203.0.113.9', [
      ['Host', 'app.example.com'],
      ['X-Forwarded-Proto', 'https'],
      ['X-Forwarded-For', '1.2.3.4'],
    ]);
    assert.equal(v.scheme, 'http');
    assert.equal(v.secure, false);
    assert.equal(v.host, 'app.example.com');
    assert.equal(v.port, 80);
    assert.equal(v.clientIp, '203.0.113.9');
    assert.equal(v.peerTrusted, false);
    assert.deepEqual(codes(v), [WarningCodes.UNTRUSTED_FORWARDED]);
    assert.match(v.warnings[0]!.message, /x-forwarded-for, x-forwarded-proto/);
  });
  test('TLS socket without proxies is https on 443', () => {
    const v = r({}, '203.0.113.9', [['Host', 'app.example.com']], true);
    assert.equal(v.scheme, 'https');
    assert.equal(v.port, 443);
    assert.equal(v.host, 'app.example.com');
    assert.deepEqual(codes(v), []);
  });
  test('Host with explicit port', () => {
    const v = r({}, '203.0.113.9', [['Host', 'App.Example.com.:8443']]);
    assert.equal(v.hostname, 'app.example.com');
    assert.equal(v.port, 8443);
    assert.equal(v.host, 'app.example.com:8443');
  });
});

describe('X-Forwarded-* walk (right to left)', () => {
  test('the reference chain', () => {
    const v = r(LB, '127.0.0.1', [
      ['Host', 'app.internal:8080'],
      ['X-Forwarded-For', '203.0.113.7, 10.1.2.3, 172.16.5.4'],
      ['X-Forwarded-Proto', 'https'],
      ['X-Forwarded-Host', 'app.example.com'],
    ]);
    assert.equal(v.scheme, 'https');
    assert.equal(v.host, 'app.example.com');
    assert.equal(v.port, 443);
    assert.equal(v.clientIp, '203.0.113.7');
    assert.deepEqual(
      v.hops.map((h) => [h.address, h.trusted]),
      [
        ['127.0.0.1', true],
        ['172.16.5.4', true],
        ['10.1.2.3', true],
        ['203.0.113.7', false],
      ],
    );
    assert.deepEqual(v.sources.clientIp, { from: 'x-forwarded-for', hop: 2 });
    assert.deepEqual(v.sources.scheme, { from: 'x-forwarded-proto', hop: 0 });
    assert.deepEqual(codes(v), []);
  });
  test('lesson 3: the leftmost X-Forwarded-For is never the answer when a hop is untrusted', () => {
    // werkzeug#290, srvx#229: a client prepends a fake address.
    const v = r(LB, '10.0.0.5', [
      ['Host', 'app.example.com'],
      ['X-Forwarded-For', '1.1.1.1, 198.51.100.23'],
    ]);
    assert.equal(v.clientIp, '198.51.100.23');
  });
  test('the walk stops at the first untrusted address even if trusted ones lie further left', () => {
    const v = r(LB, '10.0.0.5', [
      ['Host', 'a.example'],
      ['X-Forwarded-For', '10.9.9.9, 198.51.100.23, 10.0.0.4'],
    ]);
    assert.equal(v.clientIp, '198.51.100.23');
  });
  test('every hop trusted: the leftmost entry is the client (as proxy-addr)', () => {
    const v = r(LB, '10.0.0.5', [
      ['Host', 'a.example'],
      ['X-Forwarded-For', '10.0.0.3, 10.0.0.4'],
    ]);
    assert.equal(v.clientIp, '10.0.0.3');
  });
  test('proto appended per hop: taken from the client hop (symmetry)', () => {
    const v = r(LB, '10.0.0.5', [
      ['Host', 'a.example'],
      ['X-Forwarded-For', '198.51.100.23, 10.0.0.4'],
      ['X-Forwarded-Proto', 'https, http'],
    ]);
    assert.equal(v.scheme, 'https');
    assert.deepEqual(v.sources.scheme, { from: 'x-forwarded-proto', hop: 1 });
    assert.deepEqual(codes(v), []);
  });
  test('an appending edge: the client-forged proto on the left is not believed', () => {
    // HAProxy add-header / nginx appending: client sent https, the proxy appended http.
    const v = r(LB, '10.0.0.5', [
      ['Host', 'a.example'],
      ['X-Forwarded-For', '198.51.100.23'],
      ['X-Forwarded-Proto', 'https, http'],
    ]);
    assert.equal(v.scheme, 'http');
    assert.ok(codes(v).includes(WarningCodes.CONTRADICTORY_VALUES));
  });
  test('a forged proto whose hop is untrusted is never read', () => {
    const v = r(LB, '10.0.0.5', [
      ['Host', 'a.example'],
      ['X-Forwarded-For', '6.6.6.6, 198.51.100.23'],
      ['X-Forwarded-Proto', 'https, http'],
    ]);
    // Aligned: hop 0 said http about 198.51.100.23, who is untrusted; its "https" is never read.
    assert.equal(v.scheme, 'http');
    assert.equal(v.clientIp, '198.51.100.23');
  });
  test('X-Forwarded-Port and a host with a port', () => {
    const a = r(LB, '10.0.0.5', [
      ['Host', 'internal'],
      ['X-Forwarded-For', '198.51.100.23'],
      ['X-Forwarded-Proto', 'https'],
      ['X-Forwarded-Host', 'app.example.com'],
      ['X-Forwarded-Port', '8443'],
    ]);
    assert.equal(a.port, 8443);
    assert.equal(a.host, 'app.example.com:8443');
    const b = r(LB, '10.0.0.5', [
      ['Host', 'internal'],
      ['X-Forwarded-Proto', 'https'],
      ['X-Forwarded-Host', 'app.example.com:9443'],
      ['X-Forwarded-Port', '8443'],
    ]);
    // Two believed sources for hop 0's port disagree: no precedence picks one; the port
    // fails closed to the connection's (the default for the scheme), with the warning.
    assert.equal(b.port, 443);
    assert.equal(b.host, 'app.example.com');
    assert.ok(codes(b).includes(WarningCodes.SAME_HOP_CONFLICT));
  });
  test('X-Forwarded-Prefix', () => {
    const v = r(LB, '10.0.0.5', [
      ['Host', 'a.example'],
      ['X-Forwarded-Prefix', '/api/'],
    ]);
    assert.equal(v.prefix, '/api');
    for (const bad of ['//evil.example', 'api', '/a/../b', '/a b']) {
      const w = r(LB, '10.0.0.5', [
        ['Host', 'a.example'],
        ['X-Forwarded-Prefix', bad],
      ]);
      assert.equal(w.prefix, undefined, bad);
      assert.ok(codes(w).includes(WarningCodes.MALFORMED_ENTRY));
    }
  });
  test('no X-Forwarded-For but a trusted proto: client stays the peer', () => {
    const v = r(LB, '127.0.0.1', [
      ['Host', 'app.example.com'],
      ['X-Forwarded-Proto', 'https'],
    ]);
    assert.equal(v.scheme, 'https');
    assert.equal(v.clientIp, '127.0.0.1');
  });
  test('`unknown` in X-Forwarded-For stops the walk with CLIENT_UNKNOWN: the client is unknown', () => {
    const v = r(LB, '10.0.0.5', [
      ['Host', 'a.example'],
      ['X-Forwarded-For', '198.51.100.23, unknown'],
    ]);
    assert.equal(v.clientIp, undefined, 'never the trusted proxy standing in for the client');
    assert.equal(v.clientIdentifier, 'unknown');
    assert.ok(codes(v).includes(WarningCodes.CLIENT_UNKNOWN));
  });
  test('a malformed entry at a trusted position stops the walk (fail closed): the client is unknown', () => {
    const v = r(LB, '10.0.0.5', [
      ['Host', 'a.example'],
      ['X-Forwarded-For', '198.51.100.23, not-an-ip, 10.0.0.4'],
      ['X-Forwarded-Proto', 'http, https, https'],
    ]);
    // Not 10.0.0.4: that is a trusted proxy's address, not the client's.
    assert.equal(v.clientIp, undefined);
    assert.deepEqual(v.sources.clientIp, { from: 'unknown', hop: 1 });
    assert.ok(codes(v).includes(WarningCodes.MALFORMED_ENTRY));
    // Hop 1's entry is malformed: its proto is not applied either.
    assert.deepEqual(v.sources.scheme, { from: 'x-forwarded-proto', hop: 0 });
  });
  test('empty entries are malformed, not skipped', () => {
    const v = r(LB, '10.0.0.5', [
      ['Host', 'a.example'],
      ['X-Forwarded-For', '198.51.100.23, '],
    ]);
    assert.equal(v.clientIp, undefined);
    assert.ok(codes(v).includes(WarningCodes.MALFORMED_ENTRY));
  });
});

describe('lesson 1: forwarded host and proto from an untrusted peer are ignored', () => {
  // Fastify GHSA-444r-cwp2-x5xf, rails#29893, werkzeug#609.
  for (const h of [
    ['X-Forwarded-Proto', 'https'],
    ['X-Forwarded-Host', 'evil.example'],
    ['Forwarded', 'proto=https;host=evil.example'],
    ['CF-Visitor', '{"scheme":"https"}'],
    ['CloudFront-Forwarded-Proto', 'https'],
    ['X-Forwarded-Ssl', 'on'],
  ] as [string, string][]) {
    test(`${h[0]}`, () => {
      const v = r(
        {
          trustedProxies: ['10.0.0.0/8', 'cloudflare', 'cloudfront'],
          headers: ['forwarded', 'x-forwarded', 'cloudflare', 'cloudfront', 'x-forwarded-ssl'],
        },
        '198.51.100.23',
        [['Host', 'app.example.com'], h],
      );
      assert.equal(v.scheme, 'http');
      assert.equal(v.host, 'app.example.com');
      assert.deepEqual(codes(v), [WarningCodes.UNTRUSTED_FORWARDED]);
    });
  }
});

describe('lesson 2: hop counts', () => {
  test('unsafeTrustHopCount warns at compile time and trusts whoever connects', () => {
    const policy = compilePolicy({ unsafeTrustHopCount: 1 });
    assert.deepEqual(
      policy.warnings.map((w) => w.code),
      [WarningCodes.HOP_COUNT_TRUST],
    );
    const v = resolve(policy, {
      peer: '198.51.100.23',
      headers: { host: 'a.example', 'x-forwarded-for': '1.2.3.4', 'x-forwarded-proto': 'https' },
    });
    assert.equal(v.clientIp, '1.2.3.4', 'a direct client spoofs: that is why it is unsafe');
  });
  test('a CIDR list does not let a direct client spoof', () => {
    const v = r(LB, '198.51.100.23', [
      ['Host', 'a.example'],
      ['X-Forwarded-For', '1.2.3.4'],
    ]);
    assert.equal(v.clientIp, '198.51.100.23');
  });
  test('bad hop counts throw', () => {
    assert.throws(() => compilePolicy({ unsafeTrustHopCount: -1 }), /unsafeTrustHopCount/);
    assert.throws(() => compilePolicy({ unsafeTrustHopCount: 1.5 }), /unsafeTrustHopCount/);
  });
});

describe('lesson 4: hop-by-hop stripping tricks are reported', () => {
  test('Connection naming X-Forwarded-For', () => {
    const v = r(LB, '10.0.0.5', [
      ['Host', 'a.example'],
      ['Connection', 'keep-alive, X-Forwarded-For'],
      ['X-Forwarded-For', '198.51.100.23'],
    ]);
    assert.ok(codes(v).includes(WarningCodes.CONNECTION_NAMES_FORWARDED));
    assert.equal(v.clientIp, '198.51.100.23');
  });
  test('an ordinary Connection header is quiet', () => {
    const v = r(LB, '10.0.0.5', [
      ['Host', 'a.example'],
      ['Connection', 'keep-alive'],
    ]);
    assert.deepEqual(codes(v), []);
  });
});

describe('lesson 6: many values in one header', () => {
  test('https, https (nginx snippet) resolves to https with DUPLICATED_VALUES', () => {
    const v = r({ trustedProxies: ['loopback'] }, '127.0.0.1', [
      ['Host', 'app.example.com'],
      ['X-Forwarded-For', '198.51.100.23'],
      ['X-Forwarded-Proto', 'https, https'],
    ]);
    assert.equal(v.scheme, 'https');
    assert.deepEqual(codes(v), [WarningCodes.DUPLICATED_VALUES]);
  });
  test('https, https without X-Forwarded-For', () => {
    const v = r({ trustedProxies: ['loopback'] }, '127.0.0.1', [
      ['Host', 'app.example.com'],
      ['X-Forwarded-Proto', 'https,https'],
    ]);
    assert.equal(v.scheme, 'https');
    assert.ok(codes(v).includes(WarningCodes.DUPLICATED_VALUES));
  });
  test('ngrok-style https,http with one hop: contradictory, fails closed to the socket', () => {
    const v = r({ trustedProxies: ['loopback'] }, '127.0.0.1', [
      ['Host', 'app.example.com'],
      ['X-Forwarded-Proto', 'https,http'],
    ]);
    assert.equal(v.scheme, 'http');
    assert.ok(codes(v).includes(WarningCodes.CONTRADICTORY_VALUES));
  });
  test('a list in X-Forwarded-Host never becomes a host (express#3494, werkzeug#371)', () => {
    const v = r({ trustedProxies: ['loopback'], headers: ['x-forwarded-host'] }, '127.0.0.1', [
      ['Host', 'app.example.com'],
      ['X-Forwarded-Host', 'a.example, b.example'],
    ]);
    assert.equal(v.host, 'app.example.com');
    assert.ok(codes(v).includes(WarningCodes.CONTRADICTORY_VALUES));
  });
  test('length mismatch between For and Proto is ignored and warned', () => {
    const v = r(LB, '10.0.0.5', [
      ['Host', 'a.example'],
      ['X-Forwarded-For', '198.51.100.23, 10.0.0.3, 10.0.0.4'],
      ['X-Forwarded-Proto', 'https, https'],
    ]);
    assert.equal(v.scheme, 'http');
    assert.ok(codes(v).includes(WarningCodes.LIST_LENGTH_MISMATCH));
  });
  test('unknown schemes are ignored', () => {
    const v = r(LB, '10.0.0.5', [
      ['Host', 'a.example'],
      ['X-Forwarded-Proto', 'ftp'],
    ]);
    assert.equal(v.scheme, 'http');
    assert.ok(codes(v).includes(WarningCodes.UNKNOWN_SCHEME));
  });
  test('scheme values are case-insensitive', () => {
    const v = r(LB, '10.0.0.5', [
      ['Host', 'a.example'],
      ['X-Forwarded-Proto', 'HTTPS'],
    ]);
    assert.equal(v.scheme, 'https');
  });
});

describe('lesson 7: duplicate header lines', () => {
  test('two X-Forwarded-Proto lines (nginx proxy_set_header twice)', () => {
    const v = r({ trustedProxies: ['loopback'] }, '127.0.0.1', [
      ['Host', 'app.example.com'],
      ['X-Forwarded-Proto', 'https'],
      ['X-Forwarded-Proto', 'https'],
    ]);
    assert.equal(v.scheme, 'https');
    assert.ok(codes(v).includes(WarningCodes.DUPLICATE_HEADER_LINES));
    assert.ok(codes(v).includes(WarningCodes.DUPLICATED_VALUES));
  });
  test('X-Forwarded-For on two lines is one list, and quiet (HAProxy option forwardfor adds a line)', () => {
    // RFC 9110: lines of a list header are one list, in order. Heroku's old router appended
    // to the FIRST line, which made the rightmost value a client's; Router 2.0 fixed it.
    const v = r(LB, '10.0.0.5', [
      ['Host', 'a.example'],
      ['X-Forwarded-For', '6.6.6.6'],
      ['X-Forwarded-For', '198.51.100.23'],
    ]);
    assert.equal(v.clientIp, '198.51.100.23');
    assert.deepEqual(codes(v), []);
  });
  test('several Host lines: no host (HOST_MISSING)', () => {
    const v = r({}, '198.51.100.23', [
      ['Host', 'app.example.com'],
      ['Host', 'evil.example'],
    ]);
    assert.equal(v.host, undefined);
    assert.ok(codes(v).includes(WarningCodes.HOST_MISSING));
  });
});

describe('lesson 8: IPv6 and IP:port', () => {
  test('::ffff:127.0.0.1 is loopback', () => {
    const v = r({ trustedProxies: ['loopback'] }, '::ffff:127.0.0.1', [
      ['Host', 'a.example'],
      ['X-Forwarded-For', '198.51.100.23'],
    ]);
    assert.equal(v.peer, '127.0.0.1');
    assert.equal(v.clientIp, '198.51.100.23');
  });
  test('Azure-style ip:port in X-Forwarded-For (koa#827, rack#1227)', () => {
    const v = r(LB, '10.0.0.5', [
      ['Host', 'a.example'],
      ['X-Forwarded-For', '198.51.100.23:54321'],
    ]);
    assert.equal(v.clientIp, '198.51.100.23');
    assert.equal(v.clientPort, 54321);
  });
  test('bracketed IPv6 with a port, and bare IPv6, in X-Forwarded-For', () => {
    const v = r({ trustedProxies: ['loopback', 'fd00::/8'] }, '::1', [
      ['Host', '[::1]:8000'],
      ['X-Forwarded-For', '2001:DB8::7, [fd00::2]:4711'],
    ]);
    assert.equal(v.clientIp, '2001:db8::7');
    assert.deepEqual(
      v.hops.map((h) => h.address),
      ['::1', 'fd00::2', '2001:db8::7'],
    );
  });
  test('Host [::1]:8000 is host [::1] port 8000 (starlette#3357)', () => {
    const v = r({}, '::1', [['Host', '[::1]:8000']]);
    assert.equal(v.hostname, '[::1]');
    assert.equal(v.port, 8000);
    assert.equal(v.host, '[::1]:8000');
  });
});

describe('lesson 9: silent misconfiguration is loud', () => {
  test('a trust list covering everything warns TRUST_ALL', () => {
    assert.ok(
      compilePolicy({ trustedProxies: ['0.0.0.0/0'] }).warnings.some(
        (w) => w.code === WarningCodes.TRUST_ALL,
      ),
    );
    assert.ok(
      compilePolicy({ trustedProxies: ['::/0'] }).warnings.some(
        (w) => w.code === WarningCodes.TRUST_ALL,
      ),
    );
  });
  test('bad CIDRs, presets and families throw at compile time, naming the value', () => {
    assert.throws(() => compilePolicy({ trustedProxies: ['10.0.0.0/33'] }), /10\.0\.0\.0\/33/);
    assert.throws(() => compilePolicy({ trustedProxies: ['cloudflair'] }), /cloudflair/);
    // biome-ignore lint/suspicious/noExplicitAny: deliberately wrong input
    assert.throws(() => compilePolicy({ headers: ['x-forwarded-fro' as any] }), /x-forwarded-fro/);
    assert.throws(() => compilePolicy({ allowedHosts: ['https://app.example.com'] }), /https/);
  });
  test('allowedHosts * warns', () => {
    assert.ok(
      compilePolicy({ allowedHosts: ['*'] }).warnings.some(
        (w) => w.code === WarningCodes.ALLOWED_HOSTS_WILDCARD,
      ),
    );
  });
});

describe('allowed hosts (lesson 5)', () => {
  const P: PolicyOptions = {
    trustedProxies: ['loopback'],
    headers: ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host'],
    allowedHosts: ['.example.com'],
  };
  test('a subdomain and the domain are allowed', () => {
    assert.equal(r(P, '127.0.0.1', [['Host', 'app.example.com']]).hostAllowed, true);
    assert.equal(r(P, '127.0.0.1', [['Host', 'example.com']]).hostAllowed, true);
  });
  test('look-alikes are refused', () => {
    for (const h of ['example.com.evil.net', 'evilexample.com', 'example.comm']) {
      const v = r(P, '127.0.0.1', [['Host', h]]);
      assert.equal(v.hostAllowed, false, h);
      assert.ok(codes(v).includes(WarningCodes.HOST_NOT_ALLOWED));
    }
  });
  test('an invalid forwarded host is ignored (never reflected)', () => {
    const v = r(P, '127.0.0.1', [
      ['Host', 'app.example.com'],
      ['X-Forwarded-Host', 'evil.com#.example.com'],
    ]);
    assert.equal(v.host, 'app.example.com');
    assert.ok(codes(v).includes(WarningCodes.INVALID_HOST));
  });
  test('a trusted forwarded host is checked too', () => {
    const v = r(P, '127.0.0.1', [
      ['Host', 'app.example.com'],
      ['X-Forwarded-Host', 'evil.net'],
    ]);
    assert.equal(v.host, 'evil.net');
    assert.equal(v.hostAllowed, false);
  });
  test('no allowedHosts: hostAllowed is undefined', () => {
    assert.equal(r({}, '127.0.0.1', [['Host', 'x.example']]).hostAllowed, undefined);
  });
  test('host syntax: userinfo, spaces, commas and bad ports are not hosts', () => {
    for (const bad of [
      'user@app.example.com',
      'app example.com',
      'a.example,b.example',
      'a.example:99999',
      'a..example',
    ]) {
      const v = r({}, '198.51.100.1', [['Host', bad]]);
      assert.equal(v.host, undefined, bad);
      assert.ok(codes(v).includes(WarningCodes.HOST_MISSING), bad);
    }
  });
});

describe('RFC 7239 Forwarded', () => {
  test('elements walked right to left, parameters of one element together', () => {
    const v = r(LBF, '10.0.0.5', [
      ['Host', 'internal'],
      ['Forwarded', 'for=198.51.100.23;proto=https;host=app.example.com, for=10.0.0.4;proto=http'],
    ]);
    assert.equal(v.chain, 'forwarded');
    assert.equal(v.clientIp, '198.51.100.23');
    assert.equal(v.scheme, 'https');
    assert.equal(v.host, 'app.example.com');
  });
  test('quoted IPv6 with port, case-insensitive names, several lines', () => {
    const v = r({ trustedProxies: ['loopback', 'fd00::/8'], headers: ['forwarded'] }, '::1', [
      ['Host', 'internal'],
      ['Forwarded', 'For="[2001:db8:cafe::17]:4711";Proto=HTTPS'],
      ['Forwarded', 'for="[fd00::9]"'],
    ]);
    assert.equal(v.clientIp, '2001:db8:cafe::17');
    assert.equal(v.clientPort, 4711);
    assert.equal(v.scheme, 'https');
  });
  test('for=unknown and obfuscated identifiers stop the walk', () => {
    const a = r(LBF, '10.0.0.5', [
      ['Host', 'a.example'],
      ['Forwarded', 'for=unknown;proto=https'],
    ]);
    assert.equal(a.clientIp, undefined);
    assert.equal(a.clientIdentifier, 'unknown');
    assert.equal(a.scheme, 'https', "the trusted hop's proto about its hidden client is believed");
    const b = r(LBF, '10.0.0.5', [
      ['Host', 'a.example'],
      ['Forwarded', 'for=_hidden'],
    ]);
    assert.equal(b.clientIdentifier, '_hidden');
  });
  test('a malformed element stops the walk', () => {
    const v = r(LBF, '10.0.0.5', [
      ['Host', 'a.example'],
      ['Forwarded', 'for=198.51.100.23, for=10.0.0.4;for=10.0.0.3, for=10.0.0.2'],
    ]);
    // The walk reaches hop 1 (10.0.0.2, trusted), whose element is malformed: unknown,
    // never 10.0.0.2 itself.
    assert.equal(v.clientIp, undefined);
    assert.ok(codes(v).includes(WarningCodes.MALFORMED_ENTRY));
  });
  test('unquoted IPv6 is malformed', () => {
    const v = r(LBF, '10.0.0.5', [
      ['Host', 'a.example'],
      ['Forwarded', 'for=2001:db8::1'],
    ]);
    assert.equal(v.clientIp, undefined);
    assert.ok(codes(v).includes(WarningCodes.MALFORMED_ENTRY));
  });
  test('Forwarded and X-Forwarded-For disagreeing about hop 0: the client is unknown, with SAME_HOP_CONFLICT', () => {
    const v = r(LBF, '10.0.0.5', [
      ['Host', 'a.example'],
      ['Forwarded', 'for=198.51.100.23;proto=https'],
      ['X-Forwarded-For', '198.51.100.99'],
      ['X-Forwarded-Proto', 'https'],
    ]);
    assert.equal(v.clientIp, undefined);
    assert.equal(v.scheme, 'https', 'both say https about hop 0: no conflict on the scheme');
    assert.ok(codes(v).includes(WarningCodes.SAME_HOP_CONFLICT));
  });
  test('a header not in `headers` is not believed', () => {
    const v = r(LB, '10.0.0.5', [
      ['Host', 'a.example'],
      ['Forwarded', 'for=198.51.100.23;proto=https'],
    ]);
    assert.equal(v.clientIp, '10.0.0.5');
    assert.equal(v.scheme, 'http');
  });
});

describe('vendor families', () => {
  test('Cloudflare headers are believed only from Cloudflare ranges', () => {
    const policy: PolicyOptions = { trustedProxies: ['loopback', 'cloudflare'] };
    const fromCf = r(policy, '127.0.0.1', [
      ['Host', 'app.example.com'],
      ['X-Forwarded-For', '203.0.113.7, 173.245.48.1'],
      ['CF-Connecting-IP', '203.0.113.7'],
      ['CF-Visitor', '{"scheme":"https"}'],
    ]);
    assert.equal(fromCf.scheme, 'https');
    assert.equal(fromCf.clientIp, '203.0.113.7');
    // Straight to nginx, bypassing Cloudflare, with forged Cloudflare headers:
    const bypass = r(policy, '127.0.0.1', [
      ['Host', 'app.example.com'],
      ['X-Forwarded-For', '198.51.100.23'],
      ['CF-Connecting-IP', '1.2.3.4'],
      ['CF-Visitor', '{"scheme":"https"}'],
    ]);
    assert.equal(bypass.clientIp, '198.51.100.23');
    assert.equal(bypass.scheme, 'http');
    assert.ok(codes(bypass).includes(WarningCodes.UNTRUSTED_FORWARDED));
  });
  test('CloudFront-Forwarded-Proto and CloudFront-Viewer-Address', () => {
    const v = r(
      { trustedProxies: ['10.0.0.0/8'], headers: ['cloudfront', 'x-forwarded'] },
      '10.0.0.5',
      [
        ['Host', 'app.example.com'],
        ['CloudFront-Forwarded-Proto', 'https'],
        ['CloudFront-Viewer-Address', '2001:db8::7:46532'],
      ],
    );
    assert.equal(v.scheme, 'https');
    assert.equal(v.clientIp, '2001:db8::7');
    assert.equal(v.clientPort, 46532);
  });
  test('CloudFront edge -> ALB: the edge scheme describes the client hop, the ALB http its own (no conflict, any order)', () => {
    const raw: Raw = [
      ['Host', 'app.example.com'],
      ['X-Forwarded-For', '198.51.100.23, 127.0.0.10'],
      ['X-Forwarded-Proto', 'http'],
      ['X-Forwarded-Port', '80'],
      ['X-Forwarded-Host', 'app.example.com'],
      ['CloudFront-Forwarded-Proto', 'https'],
    ];
    const trust = ['127.0.0.10', '127.0.0.11'];
    const cfFirst = r(
      { trustedProxies: trust, headers: ['cloudfront', 'x-forwarded'] },
      '127.0.0.11',
      raw,
    );
    assert.equal(cfFirst.scheme, 'https');
    assert.equal(cfFirst.clientIp, '198.51.100.23', 'the client still comes from the walk');
    assert.deepEqual(cfFirst.sources.scheme, { from: 'cloudfront-forwarded-proto', hop: 1 });
    assert.deepEqual(codes(cfFirst), []);
    assert.equal(
      cfFirst.port,
      443,
      "the ALB's X-Forwarded-Port 80 belongs to its http, not to https",
    );
    assert.equal(cfFirst.host, 'app.example.com');
    const xfFirst = r(
      { trustedProxies: trust, headers: ['x-forwarded', 'cloudfront'] },
      '127.0.0.11',
      raw,
    );
    assert.equal(xfFirst.scheme, 'https', 'the order of `headers` does not matter');
  });
  test('X-Forwarded-Ssl / Front-End-Https / X-Forwarded-Protocol / X-Url-Scheme / X-Real-IP', () => {
    const opts = (f: PolicyOptions['headers']): PolicyOptions => ({
      trustedProxies: ['loopback'],
      headers: f,
    });
    assert.equal(
      r(opts(['x-forwarded-ssl']), '127.0.0.1', [
        ['Host', 'a.example'],
        ['X-Forwarded-Ssl', 'on'],
      ]).scheme,
      'https',
    );
    assert.equal(
      r(opts(['ssl-flags']), '127.0.0.1', [
        ['Host', 'a.example'],
        ['Front-End-Https', 'On'],
      ]).scheme,
      'https',
    );
    assert.equal(
      r(opts(['x-forwarded-protocol']), '127.0.0.1', [
        ['Host', 'a.example'],
        ['X-Forwarded-Protocol', 'https'],
      ]).scheme,
      'https',
    );
    assert.equal(
      r(opts(['x-url-scheme']), '127.0.0.1', [
        ['Host', 'a.example'],
        ['X-Url-Scheme', 'https'],
      ]).scheme,
      'https',
    );
    assert.equal(
      r(opts(['x-real-ip']), '127.0.0.1', [
        ['Host', 'a.example'],
        ['X-Real-IP', '198.51.100.23'],
      ]).clientIp,
      '198.51.100.23',
    );
    const bad = r(opts(['x-real-ip']), '127.0.0.1', [
      ['Host', 'a.example'],
      ['X-Real-IP', 'nope'],
    ]);
    assert.equal(bad.clientIp, undefined, 'a believed source that is malformed: unknown');
    assert.ok(codes(bad).includes(WarningCodes.MALFORMED_ENTRY));
  });
  test('contradictory repeats of a single-valued header: the client is unknown', () => {
    const v = r({ trustedProxies: ['loopback'], headers: ['x-real-ip'] }, '127.0.0.1', [
      ['Host', 'a.example'],
      ['X-Real-IP', '198.51.100.23'],
      ['X-Real-IP', '1.2.3.4'],
    ]);
    assert.equal(v.clientIp, undefined);
    assert.ok(codes(v).includes(WarningCodes.CONTRADICTORY_VALUES));
  });
});

describe('shared secret', () => {
  const secret = 'a-very-long-edge-secret-0123456789';
  const P: PolicyOptions = {
    trustedProxies: ['10.0.0.0/8'],
    sharedSecret: { header: 'X-Edge-Secret', values: [secret] },
  };
  test('with the secret, forwarded headers are believed', () => {
    const v = r(P, '10.0.0.5', [
      ['Host', 'a.example'],
      ['X-Edge-Secret', secret],
      ['X-Forwarded-Proto', 'https'],
    ]);
    assert.equal(v.scheme, 'https');
  });
  test('without it or with a wrong one, nothing is believed', () => {
    for (const extra of [
      [],
      [['X-Edge-Secret', `${secret}x`]],
      [['X-Edge-Secret', 'short']],
    ] as Raw[]) {
      const v = r(P, '10.0.0.5', [['Host', 'a.example'], ['X-Forwarded-Proto', 'https'], ...extra]);
      assert.equal(v.scheme, 'http');
      assert.equal(v.peerTrusted, false);
      assert.ok(codes(v).includes(WarningCodes.SHARED_SECRET_MISMATCH));
      assert.ok(codes(v).includes(WarningCodes.UNTRUSTED_FORWARDED));
    }
  });
  test('short secrets are refused at compile time', () => {
    assert.throws(
      () => compilePolicy({ sharedSecret: { header: 'x-s', values: ['short'] } }),
      /16/,
    );
  });
});

describe('verified proxy certificates (mTLS)', () => {
  const P: PolicyOptions = { trustVerifiedPeers: true };
  const headers = {
    host: 'a.example',
    'x-forwarded-for': '198.51.100.23',
    'x-forwarded-proto': 'https',
  };
  test('a verified peer is trusted whatever its address', () => {
    const v = resolve(compilePolicy(P), { peer: '203.0.113.50', headers, peerVerified: true });
    assert.equal(v.peerTrusted, true);
    assert.equal(v.clientIp, '198.51.100.23');
    assert.equal(v.scheme, 'https');
  });
  test('an unverified peer is not', () => {
    const v = resolve(compilePolicy(P), { peer: '203.0.113.50', headers, peerVerified: false });
    assert.equal(v.peerTrusted, false);
    assert.equal(v.scheme, 'http');
  });
  test('without trustVerifiedPeers, peerVerified changes nothing', () => {
    const v = resolve(compilePolicy({}), { peer: '203.0.113.50', headers, peerVerified: true });
    assert.equal(v.peerTrusted, false);
  });
  test('only hop 0 is trusted by the certificate; further hops need the trust list', () => {
    const v = resolve(compilePolicy(P), {
      peer: '203.0.113.50',
      headers: { host: 'a.example', 'x-forwarded-for': '198.51.100.23, 10.0.0.9' },
      peerVerified: true,
    });
    assert.equal(v.clientIp, '10.0.0.9');
  });
});

describe('trust predicates', () => {
  test('a predicate receives canonical addresses and hop indexes', () => {
    const seen: [string, number][] = [];
    const policy = compilePolicy({
      trustedProxies: [
        (addr, hop) => {
          seen.push([addr, hop]);
          return addr === '192.0.2.1' || addr === '192.0.2.2';
        },
      ],
    });
    const v = resolve(policy, {
      peer: '::ffff:192.0.2.1',
      headers: { host: 'a.example', 'x-forwarded-for': '198.51.100.23, 192.0.2.2' },
    });
    assert.equal(v.clientIp, '198.51.100.23');
    assert.deepEqual(seen.slice(0, 3), [
      ['192.0.2.1', 0],
      ['192.0.2.2', 1],
      ['198.51.100.23', 2],
    ]);
  });
  test('a throwing predicate never trusts', () => {
    const policy = compilePolicy({
      trustedProxies: [
        () => {
          throw new Error('boom');
        },
      ],
    });
    const v = resolve(policy, {
      peer: '10.0.0.1',
      headers: { host: 'a.example', 'x-forwarded-proto': 'https' },
    });
    assert.equal(v.scheme, 'http');
  });
});

describe('header inputs', () => {
  const P = compilePolicy(LB);
  const pairs: Raw = [
    ['Host', 'internal'],
    ['X-Forwarded-For', '203.0.113.7, 10.1.2.3'],
    ['X-Forwarded-Proto', 'https'],
    ['X-Forwarded-Host', 'app.example.com'],
  ];
  test('rawHeaders, a headers object and WHATWG Headers agree', () => {
    const a = resolve(P, { peer: '10.0.0.5', headers: pairs.flat() });
    const b = resolve(P, {
      peer: '10.0.0.5',
      headers: Object.fromEntries(pairs.map(([k, v]) => [k.toLowerCase(), v])),
    });
    const c = resolve(P, { peer: '10.0.0.5', headers: new Headers(pairs) });
    for (const v of [a, b, c]) {
      assert.equal(v.clientIp, '203.0.113.7');
      assert.equal(v.scheme, 'https');
      assert.equal(v.host, 'app.example.com');
    }
  });
  test('array values in a headers object are lines', () => {
    const v = resolve(P, {
      peer: '10.0.0.5',
      headers: { host: 'a.example', 'x-forwarded-proto': ['https', 'https'] },
    });
    assert.equal(v.scheme, 'https');
    assert.ok(codes(v).includes(WarningCodes.DUPLICATE_HEADER_LINES));
  });
  test('odd inputs do not throw', () => {
    for (const headers of [
      [],
      ['Host'],
      {},
      { host: 42 },
      null,
      undefined,
      ['X-Forwarded-For', null],
    ]) {
      // biome-ignore lint/suspicious/noExplicitAny: deliberately wrong input
      const v = resolve(P, { peer: '10.0.0.5', headers: headers as any });
      assert.equal(v.clientIp, '10.0.0.5');
    }
    // biome-ignore lint/suspicious/noExplicitAny: deliberately wrong input
    const v = resolve(P, { peer: undefined as any, headers: {} });
    assert.equal(v.peerTrusted, false);
  });
});

describe('limits', () => {
  test('the walk stops at maxHops with LIMIT_EXCEEDED', () => {
    const list = Array.from({ length: 100 }, (_, i) => `10.0.${i >> 8}.${i & 255}`);
    const v = r({ trustedProxies: ['10.0.0.0/8'], limits: { maxHops: 8 } }, '10.1.1.1', [
      ['Host', 'a.example'],
      ['X-Forwarded-For', list.join(', ')],
    ]);
    assert.ok(codes(v).includes(WarningCodes.LIMIT_EXCEEDED));
    assert.ok(v.hops.length <= 9);
  });
  test('maxHops is validated', () => {
    assert.throws(() => compilePolicy({ limits: { maxHops: 0 } }), /maxHops/);
    assert.throws(() => compilePolicy({ limits: { maxHops: 5000 } }), /maxHops/);
  });
});

describe('explain', () => {
  test('the duplicated-proto trace names the hop, the header and the warning', () => {
    const policy = compilePolicy({ trustedProxies: ['loopback'] });
    const v = resolve(policy, {
      peer: '127.0.0.1',
      headers: [
        'Host',
        'app.example.com',
        'X-Forwarded-Proto',
        'https',
        'X-Forwarded-Proto',
        'https',
      ],
    });
    const text = explain(v, policy);
    assert.match(text, /hop 0 {2}127\.0\.0\.1 +trusted \(matches loopback\)/);
    assert.match(text, /scheme +https +from x-forwarded-proto \(hop 0's entry\)/);
    assert.match(text, /DUPLICATED_VALUES/);
  });
  test('the spoof trace says the peer is not trusted', () => {
    const policy = compilePolicy({ trustedProxies: ['loopback'] });
    const v = resolve(policy, {
      peer: '198.51.100.99',
      headers: { host: 'a.example', 'x-forwarded-proto': 'https' },
    });
    const text = explain(v, policy);
    assert.match(text, /198\.51\.100\.99 +NOT trusted: forwarded headers ignored/);
    assert.match(text, /UNTRUSTED_FORWARDED/);
    assert.match(text, /scheme +http +from the socket/);
  });
  test('JSON form carries hops and sources', () => {
    const policy = compilePolicy(LB);
    const v = resolve(policy, {
      peer: '10.0.0.5',
      headers: { host: 'a.example', 'x-forwarded-for': '198.51.100.23' },
    });
    const j = JSON.parse(JSON.stringify(v));
    assert.equal(j.clientIp, '198.51.100.23');
    assert.equal(j.secure, false);
    assert.equal(j.hops.length, 2);
    assert.deepEqual(j.sources.clientIp, { from: 'x-forwarded-for', hop: 0 });
  });
});

describe('the fast path', () => {
  const policy = () =>
    compilePolicy({ trustedProxies: ['loopback'], allowedHosts: ['app.example.com'] });
  const spellings: [string, string, string][] = [
    ['Host', 'X-Forwarded-For', 'X-Forwarded-Proto'],
    ['host', 'x-forwarded-for', 'x-forwarded-proto'],
    ['HOST', 'X-FORWARDED-FOR', 'X-FORWARDED-PROTO'],
    ['hOsT', 'x-Forwarded-for', 'X-forwarded-Proto'],
  ];
  for (const [host, xff, xfp] of spellings) {
    test(`answers ${host} / ${xff} / ${xfp}, among other headers of the same lengths`, () => {
      const headers = [
        host,
        'app.example.com',
        'Accept-Encoding',
        'gzip', // 15, as X-Forwarded-For
        xff,
        '203.0.113.7',
        'User-Agent',
        'test', // 10, as Connection
        'Content-Type',
        'text/plain',
        xfp,
        'https',
        'Accept',
        '*/*',
      ];
      const v = resolveFast(policy(), { peer: '127.0.0.1', headers });
      assert.ok(v !== undefined, 'the fast path declined a plain proxied request');
      assert.equal(v.clientIp, '203.0.113.7');
      assert.equal(v.scheme, 'https');
      assert.equal(v.host, 'app.example.com');
    });
  }
  for (const name of ['x-FORWARDED-port', 'X-Forwarded-Prefix', 'FORWARDED']) {
    test(`passes over ${name}, which the default policy does not believe`, () => {
      const headers = ['Host', 'app.example.com', 'X-Forwarded-For', '203.0.113.7', name, 'x'];
      const v = resolveFast(policy(), { peer: '127.0.0.1', headers });
      assert.ok(v !== undefined);
      assert.equal(v.clientIp, '203.0.113.7');
    });
    test(`declines when ${name} is believed`, () => {
      const p = compilePolicy({
        trustedProxies: ['loopback'],
        headers: ['x-forwarded', 'forwarded'],
      });
      const headers = ['Host', 'app.example.com', 'X-Forwarded-For', '203.0.113.7', name, 'x'];
      assert.equal(resolveFast(p, { peer: '127.0.0.1', headers }), undefined);
    });
  }
  test('answers the 3-hop IPv6 chain from an IPv6 peer, canonical text as the general path', () => {
    const p = compilePolicy({
      trustedProxies: ['loopback', 'fd00::/8'],
      headers: ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host'],
    });
    for (const xff of [
      '2001:db8::7, fd00::1, fd00::2',
      '2001:DB8:0::7,fd00::1',
      'fd00::3, fd00::2',
    ]) {
      const req = {
        peer: '::1',
        headers: {
          host: 'app.internal',
          'x-forwarded-for': xff,
          'x-forwarded-proto': 'https',
          'x-forwarded-host': 'app.example.com',
        },
      };
      for (let k = 0; k < 2; k++) {
        // twice: the second time the trusted hops come from the trust cache
        const v = resolveFast(p, req);
        assert.ok(v !== undefined, `the fast path declined ${xff}`);
        assert.equal(v.clientIp, xff.startsWith('fd00::3') ? 'fd00::3' : '2001:db8::7');
        assert.equal(v.host, 'app.example.com');
        assert.deepEqual(
          JSON.parse(JSON.stringify(v)),
          JSON.parse(JSON.stringify(resolveGeneral(p, req))),
        );
      }
    }
    // A port or a non-canonical peer: the general path.
    assert.equal(
      resolveFast(p, {
        peer: '::1',
        headers: { host: 'a.example', 'x-forwarded-for': '[2001:db8::7]:4711' },
      }),
      undefined,
    );
    assert.equal(
      resolveFast(p, {
        peer: '0:0::1',
        headers: { host: 'a.example', 'x-forwarded-for': '2001:db8::7' },
      }),
      undefined,
    );
  });
  test('a cached host slot, reused by another host, does not keep the old allowed answer', () => {
    const p = policy();
    const at = (host: string) =>
      resolve(p, { peer: '127.0.0.1', headers: ['Host', host, 'X-Forwarded-Proto', 'https'] });
    assert.equal(at('app.example.com').hostAllowed, true);
    // Eight more hosts fill the eight slots; the last takes app.example.com's slot.
    for (let i = 1; i <= 8; i++) {
      assert.equal(at(`h${i}.example.net`).hostAllowed, false, `h${i}.example.net`);
    }
    assert.equal(at('h8.example.net').hostAllowed, false);
    assert.equal(at('app.example.com').hostAllowed, true);
  });
});
