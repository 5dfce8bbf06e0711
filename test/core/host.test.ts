import assert from 'node:assert/strict';
import { isIPv6 } from 'node:net';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  compileAllowedHosts,
  defaultPortForScheme,
  formatHost,
  MAX_HOST_LENGTH,
  parseHost,
} from '../../src/core/host.js';

const host = (hostname: string, port?: number) => ({ hostname, port });

describe('parseHost: names', () => {
  it('accepts a plain name, with and without a port', () => {
    assert.deepEqual(parseHost('example.com'), host('example.com'));
    assert.deepEqual(parseHost('example.com:8080'), host('example.com', 8080));
    assert.deepEqual(parseHost('localhost'), host('localhost'));
    assert.deepEqual(parseHost('a-b.c-d.example'), host('a-b.c-d.example'));
  });
  it('lower-cases', () => {
    assert.deepEqual(parseHost('WWW.Example.COM:443'), host('www.example.com', 443));
  });
  it('drops ONE trailing dot', () => {
    assert.deepEqual(parseHost('example.com.'), host('example.com'));
    assert.deepEqual(parseHost('example.com.:8000'), host('example.com', 8000));
    assert.equal(parseHost('example.com..'), undefined);
    assert.equal(parseHost('.'), undefined);
  });
  it('rejects empty labels', () => {
    for (const v of ['a..b', '.example.com', '..', '.example.com:80', 'a...']) {
      assert.equal(parseHost(v), undefined, v);
    }
  });
  it('rejects userinfo', () => {
    for (const v of ['user@example.com', 'user:pass@example.com', 'evil.com@example.com', '@a']) {
      assert.equal(parseHost(v), undefined, v);
    }
  });
  it('rejects spaces, control characters and non-ASCII', () => {
    for (const v of [
      ' example.com',
      'example.com ',
      'exa mple.com',
      'example.com\t',
      'example.com\n',
      'example.com:80\n',
      'example.com\r\nX-Evil: 1',
      'example.com\u0000',
      'ex\u007fample.com',
      'exämple.com',
      '\u212aexample.com', // the Kelvin sign lower-cases to "k" in Python
      'xn--exmple-cua.com\u200b',
    ]) {
      assert.equal(parseHost(v), undefined, JSON.stringify(v));
    }
  });
  it('rejects commas (a list of hosts) and other punctuation', () => {
    for (const v of [
      'a.com,b.com',
      'a.com, a.com',
      'a_b.example.com',
      'a%2eb.com',
      'a!b.com',
      "a'b",
      'a;b',
      'a=b',
      'a*b',
      'a+b',
      '*',
      'a/b',
      'a\\b',
      'a?b',
      'a#b',
      '"a"',
    ]) {
      assert.equal(parseHost(v), undefined, v);
    }
  });
  it('rejects Rails CVE-2021-22881/22942/44528 style open-redirect hosts', () => {
    for (const v of [
      'evil.com#.example.com',
      'evil.com/.example.com',
      'evil.com?.example.com',
      'evil.com\\.example.com',
      'evil.com%23.example.com',
      'evil.com@example.com',
      'evil.com:.example.com',
      'evil.com:80.example.com',
      'evil.com\u0000.example.com',
      'evil.com .example.com',
    ]) {
      assert.equal(parseHost(v), undefined, JSON.stringify(v));
    }
  });
  it('caps the length at 255', () => {
    const label = 'a'.repeat(63);
    const long = `${label}.${label}.${label}.${label}`; // 255 characters
    assert.equal(long.length, MAX_HOST_LENGTH);
    assert.deepEqual(parseHost(long), host(long));
    assert.equal(parseHost(`${long}a`), undefined);
    assert.equal(parseHost(`${long}:80`), undefined);
    assert.equal(parseHost('a'.repeat(100_000)), undefined);
  });
  it('rejects the empty value', () => {
    assert.equal(parseHost(''), undefined);
    assert.equal(parseHost(':80'), undefined);
  });
  it('treats a dotted quad as a name and keeps it unchanged', () => {
    assert.deepEqual(parseHost('127.0.0.1'), host('127.0.0.1'));
    assert.deepEqual(parseHost('192.0.2.7:8080'), host('192.0.2.7', 8080));
    assert.deepEqual(parseHost('192.0.2.7.'), host('192.0.2.7'));
  });
});

describe('parseHost: ports', () => {
  it('accepts 1..65535, with leading zeros', () => {
    assert.deepEqual(parseHost('h:1'), host('h', 1));
    assert.deepEqual(parseHost('h:65535'), host('h', 65535));
    assert.deepEqual(parseHost('h:080'), host('h', 80));
  });
  it('rejects an empty port ("host:"), like Django', () => {
    assert.equal(parseHost('example.com:'), undefined);
    assert.equal(parseHost('[::1]:'), undefined);
  });
  it('rejects port 0, ports above 65535, and non-digits', () => {
    for (const v of [
      'h:0',
      'h:00',
      'h:65536',
      'h:99999',
      'h:4294967376',
      'h:8o',
      'h:-1',
      'h:+80',
      'h: 80',
      'h:80 ',
      'h:1e3',
      'h:0x50',
      'h:80:80',
      'h::80',
      'h:٨٠', // Arabic-Indic digits: Python's \d matches them, Django 3.2 accepts them
    ]) {
      assert.equal(parseHost(v), undefined, v);
    }
  });
});

describe('parseHost: IPv6 literals', () => {
  it('parses [::1]:8000 as host [::1] port 8000 (starlette#3357)', () => {
    assert.deepEqual(parseHost('[::1]:8000'), host('[::1]', 8000));
    assert.deepEqual(parseHost('[::1]'), host('[::1]'));
  });
  it('lower-cases and keeps the brackets, without canonicalising', () => {
    assert.deepEqual(parseHost('[2001:DB8::A]:443'), host('[2001:db8::a]', 443));
    assert.deepEqual(parseHost('[0:0:0:0:0:0:0:1]'), host('[0:0:0:0:0:0:0:1]'));
    assert.deepEqual(parseHost('[::ffff:192.0.2.1]'), host('[::ffff:192.0.2.1]'));
    assert.deepEqual(parseHost('[::]'), host('[::]'));
    assert.deepEqual(parseHost('[1::]'), host('[1::]'));
    assert.deepEqual(parseHost('[1:2:3:4:5:6:7::]'), host('[1:2:3:4:5:6:7::]'));
    assert.deepEqual(parseHost('[1:2:3:4:5:6:1.2.3.4]'), host('[1:2:3:4:5:6:1.2.3.4]'));
  });
  it('rejects invalid literals', () => {
    for (const v of [
      '[',
      '[]',
      '[::1',
      '::1',
      '::1]',
      '[::1]x',
      '[::1].',
      '[::1]:80x',
      '[:::]',
      '[:1]',
      '[1:]',
      '[1::2::3]',
      '[1:2:3:4:5:6:7:8:9]',
      '[1:2:3:4:5:6:7]',
      '[1:2:3:4:5:6:7:8::]',
      '[12345::]',
      '[g::1]',
      '[::1.2.3]',
      '[::1.2.3.4.5]',
      '[::256.0.0.1]',
      '[::1.2.3.04]',
      '[1.2.3.4]',
      '[1.2.3.4::]',
      '[1:2:3:4:5:6:7:1.2.3.4]',
      '[fe80::1%25eth0]',
      '[fe80::1%eth0]',
      '[v1.fe]',
      '[[::1]]',
      '[::1]]',
      '[ ::1]',
      'x[::1]',
    ]) {
      assert.equal(parseHost(v), undefined, v);
    }
  });
  it('agrees with node:net isIPv6 on generated addresses', () => {
    fc.assert(
      fc.property(fc.ipV6(), (ip) => {
        assert.deepEqual(parseHost(`[${ip}]`), host(`[${ip.toLowerCase()}]`));
      }),
      { seed: 42, numRuns: 2000 },
    );
  });
  it('agrees with node:net isIPv6 on near-miss strings', () => {
    const near = fc
      .array(
        fc.constantFrom('0', '1', 'a', 'F', 'ffff', '12345', ':', '::', '.', '1.2.3.4', '255'),
        {
          maxLength: 12,
        },
      )
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(near, (s) => {
        const ours = parseHost(`[${s}]`) !== undefined;
        const node = isIPv6(s);
        assert.equal(ours, node, s);
      }),
      { seed: 7, numRuns: 5000 },
    );
  });
});

describe('formatHost', () => {
  it('omits the default port for the scheme', () => {
    assert.equal(formatHost('example.com', 80, 'http'), 'example.com');
    assert.equal(formatHost('example.com', 443, 'https'), 'example.com');
    assert.equal(formatHost('example.com', 443, 'HTTPS'), 'example.com');
    assert.equal(formatHost('example.com', undefined, 'https'), 'example.com');
  });
  it('keeps a non-default port', () => {
    assert.equal(formatHost('example.com', 443, 'http'), 'example.com:443');
    assert.equal(formatHost('example.com', 80, 'https'), 'example.com:80');
    assert.equal(formatHost('example.com', 8080, 'https'), 'example.com:8080');
    assert.equal(formatHost('[::1]', 8000, 'http'), '[::1]:8000');
    assert.equal(formatHost('example.com', 80, 'ftp'), 'example.com:80');
  });
  it('brackets a bare IPv6 address', () => {
    assert.equal(formatHost('::1', 8000, 'http'), '[::1]:8000');
    assert.equal(formatHost('::1', 80, 'http'), '[::1]');
  });
  it('knows the default ports', () => {
    assert.equal(defaultPortForScheme('http'), 80);
    assert.equal(defaultPortForScheme('https'), 443);
    assert.equal(defaultPortForScheme('ws'), 80);
    assert.equal(defaultPortForScheme('wss'), 443);
    assert.equal(defaultPortForScheme('gopher'), undefined);
  });
});

describe('compileAllowedHosts', () => {
  it('matches exact names', () => {
    const allowed = compileAllowedHosts(['example.com', '127.0.0.1', '[::1]']);
    assert.equal(allowed('example.com'), true);
    assert.equal(allowed('127.0.0.1'), true);
    assert.equal(allowed('[::1]'), true);
    assert.equal(allowed('www.example.com'), false);
    assert.equal(allowed('example.co'), false);
    assert.equal(allowed('xexample.com'), false);
    assert.equal(allowed.wildcard, false);
  });
  it('matches ".example.com" as the domain and every subdomain', () => {
    const allowed = compileAllowedHosts(['.example.com']);
    assert.equal(allowed('example.com'), true);
    assert.equal(allowed('www.example.com'), true);
    assert.equal(allowed('a.b.example.com'), true);
    assert.equal(allowed('evilexample.com'), false);
    assert.equal(allowed('example.com.evil.com'), false);
    assert.equal(allowed('example.comx'), false);
    assert.equal(allowed('com'), false);
  });
  it('never matches the Rails CVE open-redirect hosts, since parseHost rejects them', () => {
    const allowed = compileAllowedHosts(['.example.com']);
    for (const v of ['evil.com#.example.com', 'evil.com/.example.com', 'evil.com@.example.com']) {
      const parsed = parseHost(v);
      assert.equal(parsed !== undefined && allowed(parsed.hostname), false, v);
    }
    const parsed = parseHost('example.com.evil.com');
    assert.ok(parsed);
    assert.equal(allowed(parsed.hostname), false);
  });
  it('"*" matches anything and sets wildcard', () => {
    const allowed = compileAllowedHosts(['example.com', '*']);
    assert.equal(allowed.wildcard, true);
    assert.equal(allowed('anything.invalid'), true);
    assert.equal(allowed('[::1]'), true);
  });
  it('matches nothing when empty', () => {
    const allowed = compileAllowedHosts([]);
    assert.equal(allowed('localhost'), false);
    assert.deepEqual(allowed.patterns, []);
  });
  it('lower-cases patterns and keeps them as given in .patterns', () => {
    const allowed = compileAllowedHosts(['.Example.COM', 'API.test']);
    assert.equal(allowed('www.example.com'), true);
    assert.equal(allowed('api.test'), true);
    assert.deepEqual(allowed.patterns, ['.Example.COM', 'API.test']);
    assert.ok(Object.isFrozen(allowed.patterns));
  });
  it('matches on the parsed hostname, not on raw input', () => {
    const allowed = compileAllowedHosts(['example.com']);
    assert.equal(allowed('EXAMPLE.COM'), false); // callers pass parseHost output
    assert.equal(allowed(parseHost('EXAMPLE.COM.:80')!.hostname), true);
  });
  it('throws a TypeError naming each invalid pattern', () => {
    const bad: Array<[string, RegExp]> = [
      ['https://example.com', /scheme/],
      ['example.com/path', /path/],
      ['example.com:8000', /port/],
      ['[::1]:8000', /port/],
      ['example .com', /not a valid host/],
      [' example.com', /not a valid host/],
      ['', /empty/],
      ['.', /not a valid host/],
      ['..example.com', /not a valid host/],
      ['a..b', /not a valid host/],
      ['*.example.com', /wildcard/],
      ['.*.example.com', /wildcard/],
      ['example.*', /wildcard/],
      ['**', /wildcard/],
      ['example.com.', /trailing dot/],
      ['.example.com.', /trailing dot/],
      ['.[::1]', /IPv6/],
      ['user@example.com', /not a valid host/],
      ['a,b', /not a valid host/],
      ['ex_ample.com', /not a valid host/],
      ['[::1', /not a valid host/],
    ];
    for (const [pattern, why] of bad) {
      assert.throws(
        () => compileAllowedHosts(['ok.example', pattern]),
        (e: unknown) =>
          e instanceof TypeError &&
          e.message.includes(JSON.stringify(pattern)) &&
          why.test(e.message),
        pattern,
      );
    }
    assert.throws(() => compileAllowedHosts([42 as unknown as string]), TypeError);
  });
});

// ---- properties ----

const label = fc
  .stringMatching(/^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,10}[a-zA-Z0-9])?$/)
  .filter((s) => s.length > 0);
const regName = fc.array(label, { minLength: 1, maxLength: 5 }).map((ls) => ls.join('.'));
const hostname = fc.oneof(
  regName,
  fc.ipV4(),
  fc.ipV6().map((ip) => `[${ip}]`),
);
const port = fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined });
const scheme = fc.constantFrom('http', 'https');

describe('parseHost and compileAllowedHosts: properties', () => {
  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
        const r = parseHost(s);
        if (r !== undefined) {
          assert.equal(typeof r.hostname, 'string');
          assert.equal(r.hostname, r.hostname.toLowerCase());
          assert.ok(r.hostname.length > 0 && !r.hostname.endsWith('.'));
        }
      }),
      { seed: 1, numRuns: 5000 },
    );
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', 'Z', '0', '.', ':', '[', ']', '@', ',', ' ', '-', '_', '9')),
        (parts) => {
          parseHost(parts.join(''));
        },
      ),
      { seed: 2, numRuns: 5000 },
    );
  });
  it('round-trips parseHost(formatHost(..)) for generated valid hosts', () => {
    fc.assert(
      fc.property(hostname, port, scheme, (h, p, s) => {
        const formatted = formatHost(h, p, s);
        const parsed = parseHost(formatted);
        assert.ok(parsed, formatted);
        assert.equal(parsed.hostname, h.toLowerCase());
        const expectedPort = p === undefined || p === (s === 'https' ? 443 : 80) ? undefined : p;
        assert.equal(parsed.port, expectedPort);
        // and formatting the parse again is stable
        assert.equal(formatHost(parsed.hostname, parsed.port, s), formatted.toLowerCase());
      }),
      { seed: 3, numRuns: 3000 },
    );
  });
  it('a hostname matches ".example.com" iff it equals example.com or ends with ".example.com"', () => {
    const allowed = compileAllowedHosts(['.example.com']);
    const candidate = fc.oneof(
      regName.map((h) => h.toLowerCase()),
      regName.map((h) => `${h.toLowerCase()}.example.com`),
      regName.map((h) => `${h.toLowerCase()}example.com`),
      regName.map((h) => `example.com.${h.toLowerCase()}`),
      fc.constant('example.com'),
    );
    fc.assert(
      fc.property(candidate, (h) => {
        const parsed = parseHost(h);
        assert.ok(parsed, h);
        const expected = h === 'example.com' || h.endsWith('.example.com');
        assert.equal(allowed(parsed.hostname), expected, h);
      }),
      { seed: 4, numRuns: 3000 },
    );
  });
  it('compiles any valid hostname as an exact pattern that matches exactly itself', () => {
    fc.assert(
      fc.property(hostname, hostname, (a, b) => {
        const allowed = compileAllowedHosts([a]);
        assert.equal(allowed(a.toLowerCase()), true);
        assert.equal(allowed(b.toLowerCase()), a.toLowerCase() === b.toLowerCase());
      }),
      { seed: 5, numRuns: 2000 },
    );
  });
});
