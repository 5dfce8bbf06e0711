/**
 * Per-header trust (issue 18): only the headers a policy names are believed; two believed
 * sources that describe the same hop and disagree fail closed; a truncated header list
 * believes nothing; a client's unterminated quote never chooses the client.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  compilePolicy,
  FORGERY_CODES,
  FORWARDED_HEADER_NAMES,
  type HeaderName,
  type PolicyOptions,
  resolve,
  type View,
  WarningCodes,
} from '../../src/core/index.js';
import { resolveGeneral } from '../../src/core/resolve.js';
import { codes, type Raw, r } from './util.js';

/** The fields an app acts on. */
function fields(v: View) {
  return {
    scheme: v.scheme,
    secure: v.secure,
    host: v.host,
    port: v.port,
    clientIp: v.clientIp,
    prefix: v.prefix,
    hostAllowed: v.hostAllowed,
  };
}

/** The three input forms of one list of header lines. */
type Form = 'raw' | 'record' | 'fetch';
function asInput(pairs: Raw, form: Form) {
  if (form === 'raw') return pairs.flat();
  if (form === 'fetch') {
    const h = new Headers();
    for (const [k, v] of pairs) {
      try {
        h.append(k, v);
      } catch {
        // Headers refuses some bytes.
      }
    }
    return h;
  }
  const rec: Record<string, string | string[]> = {};
  for (const [k, v] of pairs) {
    const key = k.toLowerCase();
    const prev = rec[key];
    // Node joins repeats with ", " (and keeps the first Host).
    if (prev === undefined) rec[key] = v;
    else if (key !== 'host') rec[key] = `${prev}, ${v}`;
  }
  return rec;
}

const ip = fc.oneof(
  fc.ipV4(),
  fc.ipV6(),
  fc.constantFrom('127.0.0.1', '10.0.0.7', '203.0.113.7', '::1', 'fd00::9'),
);
const hostile = fc.oneof(
  fc.string({ maxLength: 30 }),
  ip,
  fc.constantFrom(
    'https',
    'http',
    'on',
    'off',
    '{"scheme":"https"}',
    'evil.example',
    'app.example.com:8443',
    '/admin',
    '8443',
    'for=6.6.6.6;proto=https;host=evil.example',
    'for="6.6.6.6',
    '6.6.6.6, 127.0.0.1',
  ),
);
const forms = fc.constantFrom<Form>('raw', 'record', 'fetch');

describe('a header the policy does not name never changes any resolved field', () => {
  const lists: HeaderName[][] = [
    ['x-forwarded-for', 'x-forwarded-proto'],
    ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host'],
    ['forwarded'],
    ['x-real-ip', 'x-forwarded-proto'],
    ['cloudflare', 'x-forwarded-for'],
    ['x-forwarded-for'],
  ];
  test('from any peer, whatever its value, through every input form, fast path or not', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: lists.length - 1 }),
        fc.constantFrom('127.0.0.1', '10.0.0.5', '198.51.100.7', '::1'),
        fc.array(fc.tuple(fc.constantFrom(...FORWARDED_HEADER_NAMES), hostile), {
          maxLength: 6,
        }),
        fc.array(fc.tuple(fc.constantFrom(...FORWARDED_HEADER_NAMES), hostile), {
          minLength: 1,
          maxLength: 6,
        }),
        forms,
        fc.boolean(),
        (li, peer, named, extra, form, tls) => {
          const policy = compilePolicy({
            trustedProxies: ['loopback', '10.0.0.0/8'],
            headers: lists[li]!,
            allowedHosts: ['.example.com'],
          });
          const believed = new Set(policy.headers as readonly string[]);
          const base: Raw = [
            ['Host', 'app.example.com'],
            ...named.filter(([n]) => believed.has(n)),
          ];
          const unnamed = extra.filter(([n]) => !believed.has(n));
          const withExtra: Raw = [...base, ...unnamed];
          const a = resolve(policy, { peer, headers: asInput(base, form), encrypted: tls });
          const b = resolve(policy, { peer, headers: asInput(withExtra, form), encrypted: tls });
          assert.deepEqual(fields(b), fields(a));
          const g = resolveGeneral(policy, {
            peer,
            headers: asInput(withExtra, form),
            encrypted: tls,
          });
          assert.deepEqual(fields(g), fields(a));
        },
      ),
      { numRuns: 1500 },
    );
  });

  test('the issue-18 attack: a client Forwarded through a stock nginx changes nothing', () => {
    // nginx (loopback) sets X-Forwarded-For, -Proto, -Host and passes Forwarded through.
    for (const options of [
      { trustedProxies: ['loopback'] },
      { trustedProxies: ['loopback', 'nginx'] },
    ] as PolicyOptions[]) {
      const v = r(options, '127.0.0.1', [
        ['Host', 'app.example.com'],
        ['Forwarded', 'for=6.6.6.6;proto=https'],
        ['X-Forwarded-Port', '8443'],
        ['X-Forwarded-Prefix', '/evil'],
        ['X-Forwarded-For', '198.51.100.23'],
        ['X-Forwarded-Proto', 'http'],
        ['X-Forwarded-Host', 'evil.example'],
      ]);
      assert.equal(v.scheme, 'http');
      assert.equal(v.clientIp, '198.51.100.23');
      assert.equal(v.host, 'app.example.com');
      assert.equal(v.port, 80);
      assert.equal(v.prefix, undefined);
    }
  });

  test('the defaults are exactly X-Forwarded-For and X-Forwarded-Proto', () => {
    assert.deepEqual(compilePolicy({ trustedProxies: ['loopback'] }).headers, [
      'x-forwarded-for',
      'x-forwarded-proto',
    ]);
  });
});

describe('untrusted peers change nothing, through every input form', () => {
  test('the view is the socket, whatever forwarded headers arrive', () => {
    const policy = compilePolicy({
      trustedProxies: ['loopback', '10.0.0.0/8'],
      headers: [...FORWARDED_HEADER_NAMES],
    });
    fc.assert(
      fc.property(
        fc.constantFrom('198.51.100.7', '203.0.113.9', '2001:db8::5'),
        fc.array(fc.tuple(fc.constantFrom(...FORWARDED_HEADER_NAMES), hostile), {
          maxLength: 8,
        }),
        forms,
        fc.boolean(),
        (peer, fwd, form, tls) => {
          const v = resolve(policy, {
            peer,
            headers: asInput([['Host', 'app.example.com'], ...fwd], form),
            encrypted: tls,
          });
          assert.equal(v.scheme, tls ? 'https' : 'http');
          assert.equal(v.clientIp, peer);
          assert.equal(v.host, 'app.example.com');
          assert.equal(v.port, tls ? 443 : 80);
          assert.equal(v.prefix, undefined);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('conflicts: two believed sources about the same hop fail closed', () => {
  const ALL = [...FORWARDED_HEADER_NAMES];
  const P: PolicyOptions = { trustedProxies: ['loopback'], headers: ALL };
  const base: Raw = [['Host', 'app.example.com:8080']];
  const clientPairs: [string, Raw][] = [
    [
      'X-Forwarded-For / Forwarded',
      [
        ['X-Forwarded-For', '198.51.100.1'],
        ['Forwarded', 'for=198.51.100.2'],
      ],
    ],
    [
      'X-Forwarded-For / X-Real-IP',
      [
        ['X-Forwarded-For', '198.51.100.1'],
        ['X-Real-IP', '198.51.100.2'],
      ],
    ],
    [
      'Forwarded / X-Real-IP',
      [
        ['Forwarded', 'for=198.51.100.1'],
        ['X-Real-IP', '198.51.100.2'],
      ],
    ],
    [
      'X-Forwarded-For / CF-Connecting-IP',
      [
        ['X-Forwarded-For', '198.51.100.1'],
        ['CF-Connecting-IP', '198.51.100.2'],
      ],
    ],
    [
      'CF-Connecting-IP / True-Client-IP',
      [
        ['CF-Connecting-IP', '198.51.100.1'],
        ['True-Client-IP', '198.51.100.2'],
      ],
    ],
    [
      'X-Forwarded-For / Fly-Client-IP',
      [
        ['X-Forwarded-For', '198.51.100.1'],
        ['Fly-Client-IP', '198.51.100.2'],
      ],
    ],
    [
      'X-Forwarded-For / CloudFront-Viewer-Address',
      [
        ['X-Forwarded-For', '198.51.100.1'],
        ['CloudFront-Viewer-Address', '198.51.100.2:4711'],
      ],
    ],
  ];
  for (const [name, pair] of clientPairs) {
    test(`client: ${name}`, () => {
      const v = r(P, '127.0.0.1', [...base, ...pair]);
      assert.equal(v.clientIp, undefined);
      assert.ok(codes(v).includes(WarningCodes.SAME_HOP_CONFLICT), codes(v).join());
      // And they agree: no conflict, that client.
      const agree = pair.map(([h, val]): [string, string] => [
        h,
        val.replace('198.51.100.2', '198.51.100.1'),
      ]);
      const ok = r(P, '127.0.0.1', [...base, ...agree]);
      assert.equal(ok.clientIp, '198.51.100.1');
      assert.ok(!codes(ok).includes(WarningCodes.SAME_HOP_CONFLICT));
    });
  }
  const schemePairs: [string, Raw][] = [
    ['X-Forwarded-Proto', [['X-Forwarded-Proto', 'https']]],
    ['Forwarded proto', [['Forwarded', 'proto=https']]],
    ['X-Forwarded-Ssl', [['X-Forwarded-Ssl', 'on']]],
    ['Front-End-Https', [['Front-End-Https', 'on']]],
    ['X-Forwarded-Protocol', [['X-Forwarded-Protocol', 'https']]],
    ['X-Url-Scheme', [['X-Url-Scheme', 'https']]],
    ['CF-Visitor', [['CF-Visitor', '{"scheme":"https"}']]],
    ['CloudFront-Forwarded-Proto', [['CloudFront-Forwarded-Proto', 'https']]],
  ];
  for (let i = 0; i < schemePairs.length; i++) {
    for (let j = 0; j < schemePairs.length; j++) {
      if (i === j) continue;
      const [a, ha] = schemePairs[i]!;
      const [b, hb] = schemePairs[j]!;
      // b says http instead of https.
      const hbHttp = hb.map(([h, v]): [string, string] => [
        h,
        v === 'on' ? 'off' : v.replace('https', 'http'),
      ]);
      test(`scheme: ${a} https / ${b} http`, () => {
        for (const tls of [false, true]) {
          const v = r(P, '127.0.0.1', [...base, ...ha, ...hbHttp], tls);
          assert.equal(v.scheme, tls ? 'https' : 'http', 'the socket decides');
          assert.ok(codes(v).includes(WarningCodes.SAME_HOP_CONFLICT));
        }
        const agree = r(P, '127.0.0.1', [...base, ...ha, ...hb]);
        assert.equal(agree.scheme, 'https');
        assert.ok(!codes(agree).includes(WarningCodes.SAME_HOP_CONFLICT));
      });
    }
  }
  test('host: X-Forwarded-Host / Forwarded host', () => {
    const v = r(P, '127.0.0.1', [
      ...base,
      ['X-Forwarded-Host', 'a.example.com'],
      ['Forwarded', 'host=b.example.com'],
    ]);
    assert.equal(v.hostname, 'app.example.com', 'the Host header');
    assert.equal(v.port, 8080, "the Host header's port");
    assert.ok(codes(v).includes(WarningCodes.SAME_HOP_CONFLICT));
  });
  test('port: X-Forwarded-Port / the port in X-Forwarded-Host / Forwarded host', () => {
    for (const pair of [
      [
        ['X-Forwarded-Host', 'a.example.com:8443'],
        ['X-Forwarded-Port', '9443'],
      ],
      [
        ['Forwarded', 'host="a.example.com:8443"'],
        ['X-Forwarded-Port', '9443'],
      ],
    ] as Raw[]) {
      const v = r(P, '127.0.0.1', [...base, ...pair]);
      assert.equal(v.port, 80, 'not a forwarded port: the default for the scheme');
      assert.ok(codes(v).includes(WarningCodes.SAME_HOP_CONFLICT));
    }
  });
  test('different hops are not in conflict: Cloudflare -> nginx (Flexible TLS)', () => {
    const v = r({ trustedProxies: ['cloudflare', 'loopback'] }, '127.0.0.1', [
      ['Host', 'app.example.com'],
      ['X-Forwarded-For', '203.0.113.7, 173.245.48.1'],
      ['X-Forwarded-Proto', 'http'], // nginx's $scheme: Cloudflare's hop to nginx
      ['CF-Visitor', '{"scheme":"https"}'], // the client's hop
      ['CF-Connecting-IP', '203.0.113.7'],
    ]);
    assert.equal(v.scheme, 'https');
    assert.equal(v.clientIp, '203.0.113.7');
    assert.deepEqual(codes(v), []);
    assert.deepEqual(v.sources.scheme, { from: 'cf-visitor', hop: 1 });
  });
  test('different hops are not in conflict: LB -> nginx with X-Real-IP', () => {
    const v = r({ trustedProxies: ['nginx', 'loopback', '10.0.0.0/8'] }, '127.0.0.1', [
      ['Host', 'app.example.com'],
      ['X-Real-IP', '10.0.0.5'], // nginx: its peer, the LB
      ['X-Forwarded-For', '203.0.113.7, 10.0.0.5'],
      ['X-Forwarded-Proto', 'https'],
    ]);
    assert.equal(v.clientIp, '203.0.113.7');
    assert.equal(v.scheme, 'https');
    assert.deepEqual(codes(v), []);
  });
});

describe('headers truncated by the server', () => {
  test('nothing forwarded is believed, with HEADERS_TRUNCATED', () => {
    const policy = compilePolicy({ trustedProxies: ['loopback'] });
    for (const form of ['raw', 'record', 'fetch'] as Form[]) {
      const v = resolve(policy, {
        peer: '127.0.0.1',
        headers: asInput(
          [
            ['Host', 'app.example.com'],
            ['X-Forwarded-For', '6.6.6.6'],
            ['X-Forwarded-Proto', 'https'],
          ],
          form,
        ),
        headersTruncated: true,
      });
      // The peer is a trusted proxy: the client beyond it is unknown, never the proxy.
      assert.equal(v.clientIp, undefined);
      assert.equal(v.scheme, 'http');
      assert.deepEqual(codes(v), [WarningCodes.HEADERS_TRUNCATED]);
    }
  });
});

describe('an unterminated quote never chooses the client', () => {
  test("the proxy's appended element, on the same line or the next", () => {
    const policy = compilePolicy({
      trustedProxies: ['loopback', '10.0.0.0/8'],
      headers: ['forwarded'],
    });
    const isTrusted = (a: string) => policy.isTrusted(a, 1);
    fc.assert(
      fc.property(
        fc.string({ maxLength: 20 }),
        fc.constantFrom('127.0.0.1', '10.0.0.9', '198.51.100.23', '203.0.113.50'),
        fc.boolean(),
        fc.constantFrom('for="', 'for="[', 'for=x;host="', 'for="6.6.6.6'),
        (tail, real, sameLine, open) => {
          const forged = `${open}${tail.replace(/"/g, '')}`;
          const mine = `for=${real}`;
          const headers = sameLine
            ? ['Host', 'a.example', 'Forwarded', `${forged}, ${mine}`]
            : ['Host', 'a.example', 'Forwarded', forged, 'Forwarded', mine];
          const v = resolve(policy, { peer: '127.0.0.1', headers });
          if (v.clientIp !== undefined) {
            assert.equal(v.clientIp, real, 'only the proxy-reported client');
            assert.ok(!isTrusted(v.clientIp), 'never a trusted proxy');
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('policy', () => {
  test('an unknown header name throws, naming it and the nearest valid one', () => {
    assert.throws(
      () => compilePolicy({ headers: ['x-forwarded-fro' as HeaderName] }),
      (e: Error) =>
        e instanceof TypeError &&
        /x-forwarded-fro/.test(e.message) &&
        /"x-forwarded-for"/.test(e.message),
    );
    assert.throws(
      () => compilePolicy({ headers: ['cf-conecting-ip' as HeaderName] }),
      /did you mean "cf-connecting-ip"/,
    );
  });
  test('ssl-flags names X-Forwarded-Ssl and Front-End-Https; x-forwarded-ssl only itself', () => {
    assert.deepEqual(compilePolicy({ headers: ['ssl-flags'] }).headers, [
      'x-forwarded-ssl',
      'front-end-https',
    ]);
    assert.deepEqual(compilePolicy({ headers: ['X-Forwarded-Ssl' as HeaderName] }).headers, [
      'x-forwarded-ssl',
    ]);
  });
  test('a preset believes exactly its headers; explicit headers are the whole list', () => {
    assert.deepEqual(compilePolicy({ trustedProxies: ['aws-alb', '10.0.0.0/16'] }).headers, [
      'x-forwarded-for',
      'x-forwarded-proto',
      'x-forwarded-port',
    ]);
    const explicit = compilePolicy({
      trustedProxies: ['cloudflare', 'loopback'],
      headers: ['x-forwarded-for', 'cf-connecting-ip'],
    });
    assert.deepEqual(explicit.headers, ['x-forwarded-for', 'cf-connecting-ip']);
    // CF-Visitor is not named: not believed, even from Cloudflare.
    const v = resolve(explicit, {
      peer: '127.0.0.1',
      headers: [
        'Host',
        'a.example',
        'X-Forwarded-For',
        '203.0.113.7, 173.245.48.1',
        'CF-Visitor',
        '{"scheme":"https"}',
        'CF-Connecting-IP',
        '203.0.113.7',
      ],
    });
    assert.equal(v.scheme, 'http');
    assert.equal(v.clientIp, '203.0.113.7');
    // CF-Connecting-IP stays bound to Cloudflare's ranges: not believed from nginx alone.
    const bypass = resolve(explicit, {
      peer: '127.0.0.1',
      headers: [
        'Host',
        'a.example',
        'X-Forwarded-For',
        '198.51.100.9',
        'CF-Connecting-IP',
        '1.2.3.4',
      ],
    });
    assert.equal(bypass.clientIp, '198.51.100.9');
    assert.ok(codes(bypass).includes(WarningCodes.UNTRUSTED_FORWARDED));
  });
  test('FORGERY_CODES', () => {
    assert.deepEqual([...FORGERY_CODES].sort(), [
      'CONNECTION_NAMES_FORWARDED',
      'HEADERS_TRUNCATED',
      'SAME_HOP_CONFLICT',
      'UNTRUSTED_FORWARDED',
    ]);
  });
});

describe('Connection naming a forwarded header', () => {
  for (const name of ['CF-Connecting-IP', 'X-Url-Scheme', 'Front-End-Https', 'X-Forwarded-For']) {
    test(name, () => {
      const v = r({ trustedProxies: ['loopback'] }, '127.0.0.1', [
        ['Host', 'a.example'],
        ['Connection', `keep-alive, ${name}`],
      ]);
      assert.ok(codes(v).includes(WarningCodes.CONNECTION_NAMES_FORWARDED));
    });
  }
});
