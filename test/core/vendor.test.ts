import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  parseCfVisitor,
  parseOnOff,
  parseSchemeToken,
  splitCloudFrontViewerAddress,
  splitList,
} from '../../src/core/vendor.js';

describe('parseCfVisitor', () => {
  it('reads the scheme of a CF-Visitor object', () => {
    assert.equal(parseCfVisitor('{"scheme":"https"}'), 'https');
    assert.equal(parseCfVisitor('{"scheme":"http"}'), 'http');
    assert.equal(parseCfVisitor(' { "scheme" : "HTTPS" } '), 'https');
    assert.equal(parseCfVisitor('{"other":1,"scheme":"Http"}'), 'http');
    assert.equal(parseCfVisitor('{"sch\\u0065me":"https"}'), 'https');
  });

  it('rejects anything that is not an object with a string http/https scheme', () => {
    for (const bad of [
      '',
      'https',
      '"https"',
      'null',
      '1',
      '["https"]',
      '{}',
      '{"scheme":1}',
      '{"scheme":null}',
      '{"scheme":["https"]}',
      '{"scheme":"ftp"}',
      '{"scheme":" https"}',
      '{"scheme":"https "}',
      '{"Scheme":"https"}',
      '{"scheme":"https"',
      "{'scheme':'https'}",
      '{"scheme":"https"} x',
      '{"__proto__":{"scheme":"https"}}',
    ]) {
      assert.equal(parseCfVisitor(bad), undefined, bad);
    }
  });

  it('caps the input at 256 characters', () => {
    const body = '{"scheme":"https"}';
    const exactly = body + ' '.repeat(256 - body.length);
    assert.equal(parseCfVisitor(exactly), 'https');
    assert.equal(parseCfVisitor(`${exactly} `), undefined);
  });

  it('does not throw on non-string input or arbitrary strings', () => {
    assert.equal(parseCfVisitor(undefined as unknown as string), undefined);
    assert.equal(parseCfVisitor({ scheme: 'https' } as unknown as string), undefined);
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.string({ unit: 'binary' })), (s) => {
        const r = parseCfVisitor(s);
        assert.ok(r === undefined || r === 'http' || r === 'https');
      }),
      { numRuns: 1000 },
    );
  });
});

describe('parseOnOff', () => {
  it('on means https, off means http, case-insensitive and trimmed', () => {
    for (const v of ['on', 'ON', 'On', ' on', 'on\t', '\t oN '])
      assert.equal(parseOnOff(v), 'https', v);
    for (const v of ['off', 'OFF', 'Off', ' off ', '\toFF']) assert.equal(parseOnOff(v), 'http', v);
  });

  it('anything else is undefined', () => {
    for (const v of [
      '',
      ' ',
      'o',
      'onn',
      'of',
      'offf',
      'yes',
      'true',
      '1',
      'https',
      'o n',
      'on,on',
    ]) {
      assert.equal(parseOnOff(v), undefined, v);
    }
    assert.equal(parseOnOff(null as unknown as string), undefined);
  });

  it('agrees with a reference on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.constantFrom('on', 'off', ' ON ', 'Off\t')), (s) => {
        const t = s.replace(/^[ \t]+|[ \t]+$/g, '').toLowerCase();
        const expected = t === 'on' ? 'https' : t === 'off' ? 'http' : undefined;
        assert.equal(parseOnOff(s), expected);
      }),
    );
  });
});

describe('parseSchemeToken', () => {
  it('returns the trimmed, lower-cased scheme', () => {
    assert.equal(parseSchemeToken('https'), 'https');
    assert.equal(parseSchemeToken(' HTTPS '), 'https');
    assert.equal(parseSchemeToken('\tHttp'), 'http');
    assert.equal(parseSchemeToken('h2c'), 'h2c');
    assert.equal(parseSchemeToken('coap+tcp'), 'coap+tcp');
    assert.equal(parseSchemeToken('A.b-C'), 'a.b-c');
    assert.equal(parseSchemeToken('wss'), 'wss');
    assert.equal(parseSchemeToken('x'), 'x');
  });

  it('rejects what is not URI scheme syntax', () => {
    for (const bad of [
      '',
      '  ',
      '1http',
      '+http',
      '-a',
      '.a',
      'ht tp',
      'http:',
      'https://',
      'https,http',
      'http;',
      'h_t',
      'caf\u00e9',
      '"https"',
    ]) {
      assert.equal(parseSchemeToken(bad), undefined, bad);
    }
    assert.equal(parseSchemeToken(42 as unknown as string), undefined);
  });

  it('agrees with a reference on arbitrary strings', () => {
    const unit = fc.constantFrom('h', 'T', 'p', 's', '1', '+', '-', '.', ' ', '\t', ':', '_', 'É');
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit }), fc.string()), (s) => {
        const t = s.replace(/^[ \t]+|[ \t]+$/g, '');
        const expected = /^[A-Za-z][A-Za-z0-9+.-]*$/.test(t) ? t.toLowerCase() : undefined;
        assert.equal(parseSchemeToken(s), expected);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('splitCloudFrontViewerAddress', () => {
  it('splits IPv4 and unbracketed IPv6 on the last colon', () => {
    assert.deepStrictEqual(splitCloudFrontViewerAddress('192.0.2.1:46532'), {
      ip: '192.0.2.1',
      port: 46532,
    });
    assert.deepStrictEqual(splitCloudFrontViewerAddress('2001:db8::1:46532'), {
      ip: '2001:db8::1',
      port: 46532,
    });
    assert.deepStrictEqual(splitCloudFrontViewerAddress('2001:db8::1:0'), {
      ip: '2001:db8::1',
      port: 0,
    });
    assert.deepStrictEqual(splitCloudFrontViewerAddress(' 192.0.2.1:65535\t'), {
      ip: '192.0.2.1',
      port: 65535,
    });
  });

  it('returns the IP text unvalidated', () => {
    assert.deepStrictEqual(splitCloudFrontViewerAddress('[::1]:443'), { ip: '[::1]', port: 443 });
    assert.deepStrictEqual(splitCloudFrontViewerAddress('not-an-ip:1'), {
      ip: 'not-an-ip',
      port: 1,
    });
  });

  it('rejects a missing or bad port, or an empty IP', () => {
    for (const bad of [
      '',
      '192.0.2.1',
      '192.0.2.1:',
      ':443',
      '192.0.2.1:+1',
      '192.0.2.1:-1',
      '192.0.2.1: 1',
      '192.0.2.1:1 x',
      '192.0.2.1:65536',
      '192.0.2.1:99999',
      '192.0.2.1:123456',
      '192.0.2.1:1e3',
      '192.0.2.1:0x10',
      '192.0.2.1:1.0',
    ]) {
      assert.equal(splitCloudFrontViewerAddress(bad), undefined, bad);
    }
    assert.equal(splitCloudFrontViewerAddress(undefined as unknown as string), undefined);
  });

  it('cannot tell an IPv6 address without a port: the caller must validate the IP text', () => {
    assert.deepStrictEqual(splitCloudFrontViewerAddress('2001:db8::1'), {
      ip: '2001:db8:',
      port: 1,
    });
  });

  it('round-trips ip:port for any port in range', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.ipV4(),
          fc.ipV6(),
          fc.string({ minLength: 1 }).filter((s) => !/^[ \t]|[ \t]$/.test(s)),
        ),
        fc.integer({ min: 0, max: 65535 }),
        (ip, port) => {
          assert.deepStrictEqual(splitCloudFrontViewerAddress(`${ip}:${port}`), { ip, port });
        },
      ),
    );
  });

  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const r = splitCloudFrontViewerAddress(s);
        if (r !== undefined) assert.ok(Number.isInteger(r.port) && r.port >= 0 && r.port <= 65535);
      }),
    );
  });
});

/** The reference semantics of splitList. */
function naiveSplit(lines: string | readonly string[], max: number) {
  const all = (typeof lines === 'string' ? [lines] : lines)
    .join(',')
    .split(',')
    .map((v) => v.replace(/^[ \t]+|[ \t]+$/g, ''));
  if (typeof lines !== 'string' && lines.length === 0) all.length = 0;
  const cap = Math.max(0, Math.floor(max));
  return { values: cap === 0 ? [] : all.slice(-cap), truncated: all.length > cap };
}

describe('splitList', () => {
  it('splits, trims and keeps empty elements', () => {
    assert.deepStrictEqual(splitList('a, b ,\tc', 10), {
      values: ['a', 'b', 'c'],
      truncated: false,
    });
    assert.deepStrictEqual(splitList('a,,b', 10), { values: ['a', '', 'b'], truncated: false });
    assert.deepStrictEqual(splitList(', a ,', 10), { values: ['', 'a', ''], truncated: false });
    assert.deepStrictEqual(splitList('', 10), { values: [''], truncated: false });
    assert.deepStrictEqual(splitList('  ', 10), { values: [''], truncated: false });
  });

  it('concatenates lines in order; each line gives at least one value', () => {
    assert.deepStrictEqual(splitList(['a, b', 'c'], 10), {
      values: ['a', 'b', 'c'],
      truncated: false,
    });
    assert.deepStrictEqual(splitList(['a', '', 'b'], 10), {
      values: ['a', '', 'b'],
      truncated: false,
    });
    assert.deepStrictEqual(splitList([], 10), { values: [], truncated: false });
  });

  it('keeps only the rightmost max values', () => {
    assert.deepStrictEqual(splitList('a, b, c, d', 2), { values: ['c', 'd'], truncated: true });
    assert.deepStrictEqual(splitList('a, b, c, d', 4), {
      values: ['a', 'b', 'c', 'd'],
      truncated: false,
    });
    assert.deepStrictEqual(splitList(['a, b', 'c, d'], 3), {
      values: ['b', 'c', 'd'],
      truncated: true,
    });
    assert.deepStrictEqual(splitList(['a, b', 'c, d'], 2), { values: ['c', 'd'], truncated: true });
    assert.deepStrictEqual(splitList(['a', 'b'], 1), { values: ['b'], truncated: true });
    assert.deepStrictEqual(splitList('a', 0), { values: [], truncated: true });
    assert.deepStrictEqual(splitList([], 0), { values: [], truncated: false });
    assert.deepStrictEqual(splitList('a,b', Number.NaN), { values: [], truncated: true });
    assert.deepStrictEqual(splitList('a,b,c', 2.7), { values: ['b', 'c'], truncated: true });
  });

  it('handles a 1 MB header with a small cap', () => {
    const huge = `${'198.51.100.1, '.repeat(80_000)}203.0.113.9`;
    assert.ok(huge.length > 1_000_000);
    assert.deepStrictEqual(splitList(huge, 2), {
      values: ['198.51.100.1', '203.0.113.9'],
      truncated: true,
    });
    assert.deepStrictEqual(splitList([huge, '10.0.0.1'], 1), {
      values: ['10.0.0.1'],
      truncated: true,
    });
  });

  it('ignores non-string lines instead of throwing', () => {
    assert.deepStrictEqual(splitList(['a', 1, 'b'] as unknown as string[], 10), {
      values: ['a', 'b'],
      truncated: false,
    });
    assert.deepStrictEqual(splitList(['a', null] as unknown as string[], 1), {
      values: ['a'],
      truncated: false,
    });
    assert.deepStrictEqual(splitList(undefined as unknown as string, 3), {
      values: [],
      truncated: false,
    });
  });

  it('agrees with join/split/trim/slice on arbitrary input', () => {
    const unit = fc.constantFrom('a', 'b', ',', ' ', '\t', '1', ':');
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit }), fc.array(fc.string({ unit }), { maxLength: 5 })),
        fc.integer({ min: -1, max: 12 }),
        (lines, max) => {
          const r = splitList(lines, max);
          assert.deepStrictEqual(r, naiveSplit(lines, max));
          assert.ok(r.values.length <= Math.max(0, max));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
