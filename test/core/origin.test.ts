import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatHost } from '../../src/core/host.js';
import {
  compileTrustedOrigins,
  type ParsedOrigin,
  parseOrigin,
  sameOrigin,
} from '../../src/core/origin.js';

const o = (scheme: string, hostname: string, port: number): ParsedOrigin => ({
  scheme,
  hostname,
  port,
});

describe('parseOrigin', () => {
  it('parses Origin values, applying the default port', () => {
    assert.deepEqual(parseOrigin('https://example.com'), o('https', 'example.com', 443));
    assert.deepEqual(parseOrigin('http://example.com'), o('http', 'example.com', 80));
    assert.deepEqual(parseOrigin('http://localhost:8000'), o('http', 'localhost', 8000));
    assert.deepEqual(parseOrigin('https://example.com:443'), o('https', 'example.com', 443));
    assert.deepEqual(parseOrigin('http://[::1]:8000'), o('http', '[::1]', 8000));
    assert.deepEqual(parseOrigin('https://[::1]'), o('https', '[::1]', 443));
    assert.deepEqual(parseOrigin('http://192.0.2.1'), o('http', '192.0.2.1', 80));
  });
  it('lower-cases scheme and host and drops one trailing dot', () => {
    assert.deepEqual(parseOrigin('HTTPS://WWW.Example.COM'), o('https', 'www.example.com', 443));
    assert.deepEqual(parseOrigin('https://example.com.'), o('https', 'example.com', 443));
  });
  it('parses Referer URLs, ignoring path, query and fragment', () => {
    assert.deepEqual(
      parseOrigin('https://example.com:8443/a/b?c=d#e'),
      o('https', 'example.com', 8443),
    );
    assert.deepEqual(parseOrigin('https://example.com/'), o('https', 'example.com', 443));
    assert.deepEqual(parseOrigin('https://example.com?x'), o('https', 'example.com', 443));
    assert.deepEqual(parseOrigin('https://example.com#x'), o('https', 'example.com', 443));
    assert.deepEqual(parseOrigin('https://example.com/@evil.com'), o('https', 'example.com', 443));
  });
  it('returns undefined for "null", opaque and non-web origins', () => {
    for (const v of [
      'null',
      'Null',
      'data:text/html,x',
      'about:blank',
      'file:///etc/passwd',
      'mailto:a@example.com',
      'chrome-extension://abcdef',
      'ftp://example.com',
      'ws://example.com',
      'javascript:alert(1)',
      'https:example.com',
      'https:/example.com',
      '//example.com',
      'example.com',
    ]) {
      assert.equal(parseOrigin(v), undefined, v);
    }
  });
  it('returns undefined for invalid hosts and ports', () => {
    for (const v of [
      '',
      'https://',
      'https:///',
      'https://:443',
      'https://example.com:',
      'https://example.com:0',
      'https://example.com:65536',
      'https://example.com:8o',
      'https://a..b',
      'https://.example.com',
      'https://example.com..',
      'https://ex ample.com',
      'https://example.com\n',
      'https://example.com/\r\nx',
      'https://a_b.com',
      'https://a,b.com',
      'https://[::1',
      'https://[:::1]',
      'https://[fe80::1%25eth0]',
      'https://example.com\\@evil.com',
      'https://evil.com\\.example.com',
      'https://evil.com%2f.example.com',
    ]) {
      assert.equal(parseOrigin(v), undefined, JSON.stringify(v));
    }
  });
  it('rejects userinfo', () => {
    assert.equal(parseOrigin('https://user@example.com'), undefined);
    assert.equal(parseOrigin('https://user:pw@example.com'), undefined);
    assert.equal(parseOrigin('https://example.com@evil.com'), undefined);
    assert.equal(parseOrigin('https://evil.com#@example.com')?.hostname, 'evil.com');
  });
  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        parseOrigin(s);
        parseOrigin(`https://${s}`);
      }),
      { seed: 11, numRuns: 3000 },
    );
    assert.equal(parseOrigin(undefined as unknown as string), undefined);
  });
  it('round-trips scheme://formatHost(..) for generated valid origins', () => {
    const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?$/);
    const hostname = fc.oneof(
      fc.array(label, { minLength: 1, maxLength: 4 }).map((ls) => ls.join('.')),
      fc.ipV4(),
      fc.ipV6().map((ip) => `[${ip}]`),
    );
    fc.assert(
      fc.property(
        fc.constantFrom('http', 'https'),
        hostname,
        fc.integer({ min: 1, max: 65535 }),
        (scheme, h, port) => {
          const parsed = parseOrigin(`${scheme}://${formatHost(h, port, scheme)}`);
          assert.deepEqual(parsed, o(scheme, h.toLowerCase(), port));
        },
      ),
      { seed: 12, numRuns: 2000 },
    );
  });
});

describe('sameOrigin', () => {
  it('requires scheme, hostname and port to be equal', () => {
    const a = parseOrigin('https://example.com')!;
    assert.equal(sameOrigin(a, parseOrigin('https://example.com:443/x')!), true);
    assert.equal(sameOrigin(a, parseOrigin('HTTPS://EXAMPLE.COM.')!), true);
    assert.equal(sameOrigin(a, parseOrigin('http://example.com')!), false);
    assert.equal(sameOrigin(a, parseOrigin('https://example.com:8443')!), false);
    assert.equal(sameOrigin(a, parseOrigin('https://www.example.com')!), false);
    assert.equal(sameOrigin(parseOrigin('http://example.com:443')!, a), false);
  });
});

describe('compileTrustedOrigins', () => {
  const check = (patterns: string[], origin: string) =>
    compileTrustedOrigins(patterns)(parseOrigin(origin)!);

  it('matches exact entries on scheme, host and port', () => {
    const t = ['https://example.com', 'http://localhost:8000'];
    assert.equal(check(t, 'https://example.com'), true);
    assert.equal(check(t, 'https://example.com:443'), true);
    assert.equal(check(t, 'http://localhost:8000'), true);
    assert.equal(check(t, 'http://example.com'), false);
    assert.equal(check(t, 'https://example.com:8443'), false);
    assert.equal(check(t, 'https://www.example.com'), false);
    assert.equal(check(t, 'http://localhost'), false);
    assert.equal(check(t, 'https://localhost:8000'), false);
  });
  it('normalises entries: case, default port, trailing dot', () => {
    const t = ['HTTPS://Example.COM:443', 'https://api.example.org.'];
    assert.equal(check(t, 'https://example.com'), true);
    assert.equal(check(t, 'https://api.example.org'), true);
  });
  it('matches "https://*.example.com" on every subdomain AND the domain itself (as Django does)', () => {
    const t = ['https://*.example.com'];
    assert.equal(check(t, 'https://www.example.com'), true);
    assert.equal(check(t, 'https://a.b.example.com'), true);
    assert.equal(check(t, 'https://example.com'), true); // Django: is_same_domain('example.com', '.example.com')
    assert.equal(check(t, 'http://www.example.com'), false);
    assert.equal(check(t, 'https://www.example.com:8443'), false);
    assert.equal(check(t, 'https://evilexample.com'), false);
    assert.equal(check(t, 'https://example.com.evil.com'), false);
    assert.equal(check(t, 'https://wwwexample.com'), false);
  });
  it('matches a wildcard with a port on that port only', () => {
    const t = ['https://*.example.com:8443'];
    assert.equal(check(t, 'https://a.example.com:8443'), true);
    assert.equal(check(t, 'https://example.com:8443'), true);
    assert.equal(check(t, 'https://a.example.com'), false);
  });
  it('does not match the Rails CVE-style tricks', () => {
    const t = ['https://*.example.com', 'https://example.com'];
    for (const v of [
      'https://evil.com#.example.com',
      'https://evil.com/.example.com',
      'https://evil.com?.example.com',
      'https://example.com.evil.com',
      'https://evil.com\\.example.com',
    ]) {
      const parsed = parseOrigin(v);
      assert.equal(parsed !== undefined && compileTrustedOrigins(t)(parsed), false, v);
    }
  });
  it('matches nothing when empty, and exposes the entries', () => {
    const t = compileTrustedOrigins([]);
    assert.equal(t(parseOrigin('https://example.com')!), false);
    const u = compileTrustedOrigins(['https://Example.com']);
    assert.deepEqual(u.patterns, ['https://Example.com']);
    assert.ok(Object.isFrozen(u.patterns));
  });
  it('REJECTS bare "https://*" loudly (Django silently matches nothing)', () => {
    for (const entry of ['https://*', 'http://*', 'https://*:443']) {
      assert.throws(
        () => compileTrustedOrigins([entry]),
        (e: unknown) =>
          e instanceof TypeError &&
          e.message.includes(JSON.stringify(entry)) &&
          /matches nothing/.test(e.message),
        entry,
      );
    }
  });
  it('throws a TypeError naming each invalid entry', () => {
    const bad: Array<[string, RegExp]> = [
      ['example.com', /scheme/],
      ['*.example.com', /scheme/],
      ['.example.com', /scheme/],
      ['//example.com', /scheme/],
      ['https:example.com', /scheme/],
      ['ftp://example.com', /http/],
      ['chrome-extension://abc', /http/],
      ['https://example.com/', /path/],
      ['https://example.com/app', /path/],
      ['https://example.com?x', /path/],
      ['https://*.example.com/', /path/],
      ['https://user@example.com', /userinfo/],
      ['https://*example.com', /wildcard/],
      ['https://a.*.example.com', /wildcard/],
      ['https://*.*.example.com', /wildcard/],
      ['https://example.*', /wildcard/],
      ['https://*.[::1]', /IPv6/],
      ['https://', /host/],
      ['https://example.com:', /host/],
      ['https://example.com:0', /host/],
      ['https://example.com:99999', /host/],
      ['https://a..b', /host/],
      ['https://ex ample.com', /host/],
      [' https://example.com', /scheme/],
      ['https://example.com ', /host/],
      ['https://*.', /host/],
    ];
    for (const [entry, why] of bad) {
      assert.throws(
        () => compileTrustedOrigins(['https://ok.example', entry]),
        (e: unknown) =>
          e instanceof TypeError &&
          e.message.includes(JSON.stringify(entry)) &&
          why.test(e.message),
        entry,
      );
    }
    assert.throws(() => compileTrustedOrigins([null as unknown as string]), TypeError);
  });
  it('property: a "*." entry matches exactly the domain and its subdomains, same scheme and port', () => {
    const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,6}[a-z0-9])?$/);
    const name = fc.array(label, { minLength: 1, maxLength: 3 }).map((ls) => ls.join('.'));
    fc.assert(
      fc.property(
        name,
        name,
        fc.constantFrom('http', 'https'),
        fc.constantFrom('http', 'https'),
        (base, candidate, s1, s2) => {
          const t = compileTrustedOrigins([`${s1}://*.${base}`]);
          for (const h of [candidate, `${candidate}.${base}`, `${candidate}${base}`, base]) {
            const parsed = parseOrigin(`${s2}://${h}`)!;
            const expected = s1 === s2 && (h === base || h.endsWith(`.${base}`));
            assert.equal(t(parsed), expected, `${s1}://*.${base} vs ${s2}://${h}`);
          }
        },
      ),
      { seed: 13, numRuns: 2000 },
    );
  });
});
